// The header fields the HTTP module frames messages by and records (RFC 9110 §8, RFC 9112 §6):
// Content-Length, Transfer-Encoding, Connection, Content-Type, Server and UPnP's SOAPAction; and
// whether credentials were sent (Authorization), with the default-credential check's answer.
import type { CredentialCheck } from '../credential-check.js';
import { basicCredentialList } from './authorization.js';
import { fieldValue, headerNameIs, type HeaderFieldVisitor } from './parse-http-request.js';

/** Content-Length absent. */
export const CL_NONE = -1;
/** Content-Length not a number, or repeated with different values (RFC 9112 §6.3 rule 5). */
export const CL_INVALID = -2;
/** Digits of the longest Content-Length read: 2^53 has 16, so 15 stays exact. */
const MAX_CL_DIGITS = 15;

/** What one head said; reused for every message of a direction (reset between them). */
export interface HttpHeadFields {
  /** Bytes, or CL_NONE / CL_INVALID. */
  contentLength: number;
  /** A Transfer-Encoding field was present (it overrides Content-Length, RFC 9112 §6.3 rule 3). */
  transferEncoding: boolean;
  /** The last transfer coding is chunked (RFC 9112 §6.3 rule 4, §7.1). */
  chunked: boolean;
  contentType: string | null;
  server: string | null;
  /** SOAPAction (UPnP Device Architecture 1.1 §3.2.1), double quotes removed. */
  soapAction: string | null;
  /** Connection: close (RFC 9112 §9.6). */
  close: boolean;
  /** An Authorization or Proxy-Authorization field was sent: its credentials are withheld from the header text. */
  authorization: boolean;
  /**
   * With the default-credential check: the list the first Authorization field's HTTP Basic pair is
   * on, or null; undefined without Basic credentials or without the check.
   */
  credentialList: string | null | undefined;
}

/**
 * A fresh field set and the visitor that fills it (one allocation per connection direction). With
 * `check`, HTTP Basic credentials are looked up in the default-credential lists as they are read.
 */
export function headFieldsReader(check: CredentialCheck | null = null): { fields: HttpHeadFields; visit: HeaderFieldVisitor } {
  const fields: HttpHeadFields = {
    contentLength: CL_NONE, transferEncoding: false, chunked: false, contentType: null, server: null, soapAction: null, close: false,
    authorization: false, credentialList: undefined,
  };
  const visit: HeaderFieldVisitor = (buf, s, colon, e) => noteField(fields, buf, s, colon, e, check);
  return { fields, visit };
}

/** Clears a field set for the next message. */
export function resetHeadFields(f: HttpHeadFields): void {
  f.contentLength = CL_NONE;
  f.transferEncoding = false;
  f.chunked = false;
  f.contentType = null;
  f.server = null;
  f.soapAction = null;
  f.close = false;
  f.authorization = false;
  f.credentialList = undefined;
}

/** Reads one header field line into `f`; the first instance of a text field counts. */
function noteField(f: HttpHeadFields, buf: Buffer, s: number, colon: number, e: number, check: CredentialCheck | null): void {
  const n = colon - s;
  // Dispatch on length first: most field names match none of these and cost one comparison.
  switch (n) {
    case 14:
      if (headerNameIs(buf, s, colon, 'content-length')) f.contentLength = contentLength(buf, colon + 1, e, f.contentLength);
      break;
    case 17:
      if (headerNameIs(buf, s, colon, 'transfer-encoding')) {
        // RFC 9112 §6.1: a list of codings; several fields form one list, so the last field's last token decides.
        f.transferEncoding = true;
        f.chunked = lastTokenIsChunked(buf, colon + 1, e);
      }
      break;
    case 12:
      if (f.contentType === null && headerNameIs(buf, s, colon, 'content-type')) f.contentType = fieldValue(buf, colon + 1, e);
      break;
    case 6:
      if (f.server === null && headerNameIs(buf, s, colon, 'server')) f.server = fieldValue(buf, colon + 1, e);
      break;
    case 10:
      if (f.soapAction === null && headerNameIs(buf, s, colon, 'soapaction')) f.soapAction = fieldValue(buf, colon + 1, e).replace(/"/g, '');
      else if (headerNameIs(buf, s, colon, 'connection') && /(?:^|[\s,])close(?:$|[\s,])/i.test(fieldValue(buf, colon + 1, e))) f.close = true;
      break;
    case 13:
      if (headerNameIs(buf, s, colon, 'authorization')) {
        // The first Basic credentials count (RFC 9110 §11.6.2 expects one Authorization field).
        if (check !== null && f.credentialList === undefined) f.credentialList = basicCredentialList(buf, colon + 1, e, check);
        f.authorization = true;
      }
      break;
    case 19:
      // Credentials for a proxy, not for the device: withheld, not looked up.
      if (headerNameIs(buf, s, colon, 'proxy-authorization')) f.authorization = true;
      break;
    default:
      break;
  }
}

/**
 * RFC 9110 §8.6: Content-Length = 1*DIGIT. A list of identical values ("5, 5") is accepted as one
 * (RFC 9112 §6.3 rule 5 lets a recipient do so); anything else, or a value that differs from an
 * earlier field, is CL_INVALID.
 */
function contentLength(buf: Buffer, s: number, e: number, prev: number): number {
  if (prev === CL_INVALID) return CL_INVALID;
  let value = CL_NONE;
  let p = s;
  while (p < e) {
    while (p < e && (buf[p] === 0x20 || buf[p] === 0x09)) p++;
    let v = 0;
    let digits = 0;
    while (p < e && buf[p]! >= 0x30 && buf[p]! <= 0x39) {
      if (++digits > MAX_CL_DIGITS) return CL_INVALID;
      v = v * 10 + (buf[p]! - 0x30);
      p++;
    }
    if (digits === 0) return CL_INVALID;
    if (value !== CL_NONE && v !== value) return CL_INVALID;
    value = v;
    while (p < e && (buf[p] === 0x20 || buf[p] === 0x09)) p++;
    if (p < e) {
      if (buf[p] !== 0x2c) return CL_INVALID;
      p++;
    }
  }
  if (value === CL_NONE) return CL_INVALID;
  return prev !== CL_NONE && prev !== value ? CL_INVALID : value;
}

const CHUNKED = 'chunked';

/** Whether the last comma-separated token of `buf[s, e)` is "chunked" (ASCII case-insensitive), parameters ignored. */
function lastTokenIsChunked(buf: Buffer, s: number, e: number): boolean {
  let p = e;
  while (p > s && buf[p - 1] !== 0x2c) p--;
  let q = p;
  while (q < e && (buf[q] === 0x20 || buf[q] === 0x09)) q++;
  let t = q;
  while (t < e && buf[t] !== 0x3b && buf[t] !== 0x20 && buf[t] !== 0x09) t++;
  return headerNameIs(buf, q, t, CHUNKED);
}
