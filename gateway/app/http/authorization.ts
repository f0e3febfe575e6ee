// The Authorization field of an HTTP request (RFC 9110 §11.6.2): HTTP Basic credentials (RFC 7617)
// decoded in memory for the default-credential check, and withheld from the header text a record
// keeps. Nothing of a credential leaves these functions but the name of the list a pair is on.
import type { CredentialCheck } from '../credential-check.js';

const SP = 0x20;
const HT = 0x09;
const COLON = 0x3a;
const BASIC = 'basic';

/** RFC 7617 §2: the token68 after "Basic", standard base64 with optional padding. */
const TOKEN68 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The list the HTTP Basic pair of field value `buf[s, e)` is on, or null; undefined when the value is
 * not Basic credentials (another scheme, a malformed token). A token too long to hold a listed pair
 * is not decoded. The decoded bytes are zeroed before returning.
 */
export function basicCredentialList(buf: Buffer, s: number, e: number, check: CredentialCheck): string | null | undefined {
  while (s < e && (buf[s] === SP || buf[s] === HT)) s++;
  while (e > s && (buf[e - 1] === SP || buf[e - 1] === HT)) e--;
  // auth-scheme is case-insensitive (RFC 9110 §11.1), then 1*SP.
  if (e - s < BASIC.length + 2) return undefined;
  for (let i = 0; i < BASIC.length; i++) if ((buf[s + i]! | 0x20) !== BASIC.charCodeAt(i)) return undefined;
  let p = s + BASIC.length;
  if (buf[p] !== SP) return undefined;
  while (p < e && buf[p] === SP) p++;
  // user-id ":" password, each at most maxBytes, in base64: 4 characters per 3 bytes.
  if (e - p > Math.ceil((2 * check.maxBytes + 1) / 3) * 4) return null;
  const token = buf.toString('latin1', p, e);
  if (!TOKEN68.test(token)) return undefined;
  const pair = Buffer.from(token, 'base64');
  try {
    const colon = pair.indexOf(COLON);
    if (colon < 0) return undefined;
    // RFC 7617 §2.1: UTF-8 is what clients send; the lists are ASCII.
    return check.listOf(pair.toString('utf8', 0, colon), pair.toString('utf8', colon + 1));
  } finally {
    pair.fill(0);
  }
}

/** An Authorization or Proxy-Authorization line (and any obs-fold continuation of it, RFC 9112 §5.2): the scheme, then the credentials. */
const CREDENTIAL_FIELD = /^((?:proxy-)?authorization[ \t]*:[ \t]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]+)?)[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*/gim;

/** What a withheld credential becomes in header text. */
export const CREDENTIALS_WITHHELD = '[withheld]';

/** `headerText` (the field lines of a head) with the credentials of its Authorization and Proxy-Authorization fields withheld. */
export function withoutCredentials(headerText: string): string {
  return headerText.replace(CREDENTIAL_FIELD, `$1${CREDENTIALS_WITHHELD}`);
}
