// Splits a DNS query name into the domain someone registered and the part in front of it, so the
// DNS detectors can count, per domain, what a device puts into the names it asks for.
//
// A heuristic, not the Public Suffix List (https://publicsuffix.org): the registrable domain is the
// last two labels, or the last three when the second-level label is a common second-level public
// suffix under a two-letter country TLD (co.uk, com.au, ne.jp, or.kr…). It is wrong for suffixes
// such as "github.io" or "s3.amazonaws.com" (it groups every customer under one "domain"), which
// only makes the detectors count more per domain; it never splits one registrant into several.

/** Second-level labels that act as public suffixes under a two-letter country TLD (co.uk, ne.jp). */
export const COMMON_SECOND_LEVEL: ReadonlySet<string> = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'ne', 'or']);

/**
 * Pseudo-domain for names whose last label cannot be a TLD: a tunnel talking straight to its own
 * server needs no real domain (dnscat2 sends "dnscat.<hex>"), so all such names of one device are
 * counted together under this key.
 */
export const NO_PUBLIC_TLD = '(no-public-tld)';

/** Longest ASCII TLD in the IANA root zone is 18 letters ("travelersinsurance"); 24 leaves room. */
const MAX_TLD_LETTERS = 24;

/**
 * An underscore label naming a service or a purpose: DNS-SD `_http._tcp` (RFC 6763 §7; service
 * names have at most 15 characters, RFC 6335 §5.1), `_dmarc`, `_domainkey`, `_acme-challenge`,
 * `_mta-sts`, TLSA `_443`. At most 15 letters, digits and hyphens after the underscore, so a
 * base64url data label that happens to start with "_" (one in 64 of DNSExfiltrator's 63-octet
 * labels) is not taken for one and its name is still judged.
 */
const SERVICE_LABEL = /^_[a-z0-9][a-z0-9-]{0,14}$/;

/** A query name split for the DNS detectors. */
export interface QueryName {
  /** The registrable domain (lower case, as the parser gives it), or NO_PUBLIC_TLD. */
  domain: string;
  /** Labels left of the domain, leftmost first, in the parser's text form (escapes kept); may be empty. */
  sub: string[];
}

/** True for a label that can be a top-level domain: 2–24 ASCII letters, or an IDNA A-label (xn--…). */
export function isPlausibleTld(label: string): boolean {
  if (label.startsWith('xn--')) return /^xn--[a-z0-9-]{1,59}$/.test(label);
  return label.length >= 2 && label.length <= MAX_TLD_LETTERS && /^[a-z]+$/.test(label);
}

/**
 * Labels of a dotted name as the DNS parser writes it: a literal dot inside a label is escaped
 * (`\.`, RFC 4343 §2.1), so only unescaped dots separate labels.
 */
export function splitLabels(name: string): string[] {
  if (name === '') return [];
  if (!name.includes('\\')) return name.split('.');
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '\\' && i + 1 < name.length) {
      cur += c + name[i + 1]!;
      i++;
    } else if (c === '.') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * The octets of a label in the parser's text form: `\.` and `\\` are one octet each, `\DDD` is
 * the octet DDD (RFC 4343 §2.1). Returned as a latin1 string, one character per octet.
 */
export function labelOctets(label: string): string {
  if (!label.includes('\\')) return label;
  let out = '';
  for (let i = 0; i < label.length; i++) {
    const c = label[i]!;
    if (c !== '\\' || i + 1 >= label.length) { out += c; continue; }
    const d = label.slice(i + 1, i + 4);
    if (/^\d{3}$/.test(d)) { out += String.fromCharCode(Number(d) & 0xff); i += 3; }
    else { out += label[i + 1]!; i++; }
  }
  return out;
}

/**
 * Registrable domain of a name (trailing dot and case ignored), or null for a single label or a
 * name whose last label cannot be a TLD. "www.example.co.uk" → "example.co.uk"; "co.uk" → "co.uk".
 */
export function registrableDomain(name: string): string | null {
  const labels = splitLabels(normalize(name));
  const n = labels.length;
  if (n < 2 || !isPlausibleTld(labels[n - 1]!)) return null;
  const keep = n >= 3 && labels[n - 1]!.length === 2 && COMMON_SECOND_LEVEL.has(labels[n - 2]!) ? 3 : 2;
  return labels.slice(n - keep).join('.');
}

/**
 * Domain and subdomain labels of a query name worth watching, or null for the names the DNS
 * detectors leave alone: single labels, mDNS (".local", RFC 6762), reverse lookups and other
 * infrastructure names (".arpa": in-addr.arpa, ip6.arpa, home.arpa), DNS-SD and other service
 * names (a SERVICE_LABEL such as "_tcp" or "_dmarc"), and IPv4 literals some devices send as names.
 */
export function queryDomain(name: string): QueryName | null {
  const s = normalize(name);
  if (s === 'local' || s.endsWith('.local') || s === 'arpa' || s.endsWith('.arpa')) return null;
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(s)) return null;
  const labels = splitLabels(s);
  const n = labels.length;
  if (n < 2) return null;
  for (const l of labels) if (SERVICE_LABEL.test(l)) return null;
  if (!isPlausibleTld(labels[n - 1]!)) return { domain: NO_PUBLIC_TLD, sub: labels };
  const keep = n >= 3 && labels[n - 1]!.length === 2 && COMMON_SECOND_LEVEL.has(labels[n - 2]!) ? 3 : 2;
  return { domain: labels.slice(n - keep).join('.'), sub: labels.slice(0, n - keep) };
}

/**
 * FNV-1a 32-bit hash of a name's UTF-16 units, for counting unique names in bounded memory (a
 * collision undercounts by one).
 */
export function nameHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function normalize(name: string): string {
  const s = name.endsWith('.') && !name.endsWith('\\.') ? name.slice(0, -1) : name;
  return /[A-Z]/.test(s) ? s.toLowerCase() : s;
}
