// Judges ONE DNS query name: how many bits of encoded data its labels carry. DNS tunnels and
// exfiltration tools write their payload into the labels left of their domain as hex (dnscat2,
// DET, Cobalt Strike), base32 (iodine, Sliver, dnstt, DNSExfiltrator -b32), base64 / base64url
// (dns2tcp, iodine, DNSExfiltrator) or raw 8-bit octets (iodine base128); a name a person or a
// vendor chose is words, abbreviations, numbers and short identifiers.
//
// How a label is read (after lower-casing, which the DNS parser does anyway, RFC 4343 §3):
// - A label whose octets are mostly outside printable ASCII is binary payload (iodine's base128
//   and its codec probes); nDPI flags any such octet as NDPI_INVALID_CHARACTERS.
// - Otherwise it is cut into runs at '-', '_' and other non-alphanumeric octets (so UUIDs,
//   dashed IPv6/IPv4 names such as "a23-45-67-89" or "r3---sn-4g5e6nsz" fall into short runs)
//   and each run of at least `minRunChars` is judged on its own: random data from an encoder has
//   digits among its letters, few vowels (5 of 26 letters, 19%, against about 38% in English
//   words: K. Born and D. Gustafson, "Detecting DNS Tunnels Using Character Frequency Analysis",
//   2010, use the same letter-frequency gap) and close to the highest Shannon entropy its length
//   allows (G. Farnham, "Detecting DNS Tunneling", SANS 2013: entropy and label length are the
//   per-name indicators). A hex run is not held to the vowel test (a and e are 2 of its 6 letters).
// - IDNA A-labels ("xn--…", RFC 5890) are encoded words, not data, and are skipped.
// The bits of each run that looks random are counted at its alphabet's density (hex 4 bits per
// character, base32 5, alphanumeric log2 36, base64 6, binary 7) and summed over the name.
import { labelOctets } from './registrable-domain.js';

/** Thresholds of the per-query judgement (shared by `detect.dnsExfiltration`). */
export interface QueryScoreConfig {
  /**
   * Bits of encoded payload in one name at or above which the name is judged to carry data.
   * Default 200 (25 octets): above every identifier benign names carry in one name: an MD5
   * (128 bits, 32 hex, e.g. `<md5>.safeframe.googlesyndication.com`), a SHA-1 (160 bits, 40 hex,
   * DNS hash-reputation lookups), a UUID (122 bits), a 32-character base32/base36 key (160–165
   * bits). A tool moving data fills names: DNSExfiltrator and dns2tcp send 3–4 labels of 63
   * characters (over 900 bits), dnscat2 and iodine more than 250.
   */
  minPayloadBits: number;
  /**
   * A single run that looks random and is at least this long (characters) is payload whatever
   * its bits. Default 48: nDPI flags a first label over 48 characters as a "Long DNS host name";
   * it is longer than a SHA-1 in hex (40) or any key we know in benign names, and lets a hex run
   * of 48–49 characters (192–196 bits, under minPayloadBits) count.
   */
  longRunChars: number;
  /**
   * Shortest run of alphanumeric characters judged as possible data, characters. Default 13:
   * longer than CDN edge names (`e1234`, `a1720`), dashed address parts and every group of a UUID
   * (8-4-4-4-12 hex).
   */
  minRunChars: number;
  /** Highest share (0–1) of vowels among a run's letters for it to look random. Default 0.35 (random letters: 0.19; English words about 0.38). */
  maxVowelShare: number;
  /**
   * Lowest ratio of a run's Shannon entropy to the most its length and alphabet allow,
   * log2(min(length, alphabet size)), for it to look random. Default 0.75 (random runs of 12–63
   * characters measure 0.8–0.97; repeated filler such as "aaaaaa1aaaa" far less).
   */
  minEntropyRatio: number;
  /** Share (0–1) of a label's octets outside printable ASCII at or above which the whole label is binary payload. Default 0.25 (iodine base128 is about half high octets; a raw UTF-8 word has one or two). */
  minBinaryShare: number;
}

export const QUERY_SCORE_DEFAULTS: Readonly<QueryScoreConfig> = Object.freeze({
  minPayloadBits: 200,
  longRunChars: 48,
  minRunChars: 13,
  maxVowelShare: 0.35,
  minEntropyRatio: 0.75,
  minBinaryShare: 0.25,
});

/** Every problem with the per-query thresholds, each prefixed with `prefix` (empty when usable). */
export function queryScoreConfigErrors(c: Readonly<QueryScoreConfig>, prefix = ''): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, what: string) => { if (!ok) bad.push(prefix + what); };
  const share = (x: number) => x >= 0 && x <= 1;
  need(Number.isFinite(c.minPayloadBits) && c.minPayloadBits > 0, 'minPayloadBits must be > 0');
  need(Number.isInteger(c.minRunChars) && c.minRunChars >= 2, 'minRunChars must be an integer >= 2');
  need(Number.isInteger(c.longRunChars) && c.longRunChars >= c.minRunChars, 'longRunChars must be an integer >= minRunChars');
  need(share(c.maxVowelShare), 'maxVowelShare must be within 0..1');
  need(share(c.minEntropyRatio), 'minEntropyRatio must be within 0..1');
  need(share(c.minBinaryShare) && c.minBinaryShare > 0, 'minBinaryShare must be within (0..1]');
  return bad;
}

/** The alphabet the payload of a name looks written in ('none' when no run looks random). */
export type PayloadEncoding = 'none' | 'hex' | 'base32' | 'base36' | 'base64' | 'binary';

/** What the judgement of one name found (evidence for an analyst). */
export interface QueryScore {
  /** Estimated bits of encoded payload: the runs that look random, at their alphabet's density. */
  payloadBits: number;
  /** Characters in those runs. */
  encodedChars: number;
  /** Characters of the longest such run (or binary label). */
  longestRun: number;
  /** True when the name carries payload: payloadBits >= minPayloadBits or longestRun >= longRunChars. */
  encoded: boolean;
  /** The alphabet carrying most of the payload bits. */
  encoding: PayloadEncoding;
  /** Shannon entropy of the subdomain octets (dots excluded), bits per octet, 3 decimals. */
  entropy: number;
  /** Octets of each subdomain label, leftmost first. */
  labelLengths: number[];
  /** Octets of the subdomain labels, dots excluded. */
  subOctets: number;
  /** Octets that no host name has (outside a-z, 0-9, '-', '_'): base64 '+/=', binary, spaces. */
  nonHostnameOctets: number;
}

const BITS: Readonly<Record<Exclude<PayloadEncoding, 'none'>, number>> = {
  hex: 4, base32: 5, base36: Math.log2(36), base64: 6, binary: 7,
};

/** Shannon entropy (bits per character) of the characters of `s`, each taken as one octet. */
export function shannonEntropy(s: string): number {
  return entropyOf(s, 0, s.length);
}

/**
 * Judges the subdomain labels of one query name (`sub`: the labels left of the registrable
 * domain, in the DNS parser's text form with `\DDD` escapes).
 */
export function scoreQueryName(sub: readonly string[], cfg: Readonly<QueryScoreConfig> = QUERY_SCORE_DEFAULTS): QueryScore {
  const labelLengths: number[] = [];
  const byEncoding = { hex: 0, base32: 0, base36: 0, base64: 0, binary: 0 };
  let body = '';
  let nonHostname = 0;
  let encodedChars = 0;
  let longestRun = 0;
  for (const raw of sub) {
    const o = lower(labelOctets(raw));
    labelLengths.push(o.length);
    body += o;
    let binary = 0;
    for (let i = 0; i < o.length; i++) {
      const c = o.charCodeAt(i);
      if (c < 0x20 || c > 0x7e) binary++;
      if (!isHostnameOctet(c)) nonHostname++;
    }
    if (o.startsWith('xn--')) continue; // RFC 5890 A-label: a word in Punycode
    if (binary > 0 && binary >= cfg.minBinaryShare * o.length) {
      byEncoding.binary += o.length * BITS.binary;
      encodedChars += o.length;
      if (o.length > longestRun) longestRun = o.length;
      continue;
    }
    // Runs of [a-z0-9+/=], cut at '-', '_' and anything else.
    let start = 0;
    for (let i = 0; i <= o.length; i++) {
      if (i < o.length && isRunOctet(o.charCodeAt(i))) continue;
      if (i - start >= cfg.minRunChars) {
        const enc = judgeRun(o, start, i, cfg);
        if (enc !== null) {
          byEncoding[enc] += (i - start) * BITS[enc];
          encodedChars += i - start;
          if (i - start > longestRun) longestRun = i - start;
        }
      }
      start = i + 1;
    }
  }
  let payloadBits = 0;
  let encoding: PayloadEncoding = 'none';
  let best = 0;
  for (const k of Object.keys(byEncoding) as (keyof typeof byEncoding)[]) {
    payloadBits += byEncoding[k];
    if (byEncoding[k] > best) { best = byEncoding[k]; encoding = k; }
  }
  return {
    payloadBits: Math.round(payloadBits), encodedChars, longestRun, encoded: payloadBits >= cfg.minPayloadBits || longestRun >= cfg.longRunChars, encoding, entropy: Math.round(shannonEntropy(body) * 1000) / 1000,
    labelLengths, subOctets: body.length, nonHostnameOctets: nonHostname,
  };
}

/** The alphabet of run `s[a, e)` when it looks like encoder output, else null. */
function judgeRun(s: string, a: number, e: number, cfg: Readonly<QueryScoreConfig>): Exclude<PayloadEncoding, 'none' | 'binary'> | null {
  let digits = 0;
  let letters = 0;
  let vowels = 0;
  let b64 = 0;
  let hex = true;
  let b32 = true;
  for (let i = a; i < e; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      digits++;
      if (c < 0x32 || c > 0x37) b32 = false; // base32 digits are 2–7 (RFC 4648 §6)
    } else if (c >= 0x61 && c <= 0x7a) {
      letters++;
      if (c === 0x61 || c === 0x65 || c === 0x69 || c === 0x6f || c === 0x75) vowels++;
      if (c > 0x66) hex = false;
    } else {
      b64++; // '+', '/', '='
      hex = false;
      b32 = false;
    }
  }
  // Encoder output mixes digits and letters; all-digit runs are numbers (ids, times, addresses)
  // and all-letter runs are words or abbreviations.
  if (digits === 0 || letters === 0) return null;
  const enc = hex ? 'hex' : b64 > 0 ? 'base64' : b32 ? 'base32' : 'base36';
  if (!hex && vowels > cfg.maxVowelShare * letters) return null;
  const alphabet = enc === 'hex' ? 16 : enc === 'base32' ? 32 : enc === 'base64' ? 64 : 36;
  const most = Math.log2(Math.min(e - a, alphabet));
  return entropyOf(s, a, e) >= cfg.minEntropyRatio * most ? enc : null;
}

/** Letters, digits, '-' and '_' (the underscore of service labels and some vendors' names). */
function isHostnameOctet(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
}

/** Octets a run of encoded data is made of: a-z, 0-9 and base64's '+', '/', '='. */
function isRunOctet(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x3d;
}

function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.toLowerCase();
  }
  return s;
}

const COUNTS = new Uint32Array(256);

/** Shannon entropy of the octets of `s[a, e)`, bits per octet. */
function entropyOf(s: string, a: number, e: number): number {
  const n = e - a;
  if (n <= 0) return 0;
  COUNTS.fill(0);
  for (let i = a; i < e; i++) COUNTS[s.charCodeAt(i) & 0xff]!++;
  let h = 0;
  for (let c = 0; c < 256; c++) {
    const k = COUNTS[c]!;
    if (k > 0) {
      const p = k / n;
      h -= p * Math.log2(p);
    }
  }
  return h;
}
