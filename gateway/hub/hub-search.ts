// Cross-site search for GET /api/v1/search: what the text is (an address, a CIDR network, a MAC or
// OUI prefix, a domain, a JA4 fingerprint, else a vendor or host name), then one range read of the
// search index (hub-terms.ts) per key range, answered as "which sites saw it", grouped by site.
import {
  addressKey, domainKey, exactRange, fingerprintKey, macHexDigits, nameKey, networkRange, prefixRange,
  type HubTerms, type KeyRange, type TermSource,
} from './hub-terms.js';

/** What the query text was read as. */
export type SearchKind = 'address' | 'network' | 'mac' | 'domain' | 'vendor' | 'fingerprint' | 'text';

/** One match at one site. */
export interface SearchMatch {
  kind: TermSource;
  /** Alert id, device MAC, `traffic:<minute>`, or log record id. */
  id: string;
  summary: string;
  /** When the site last saw it (the site's time), ISO-8601. */
  lastSeen: string;
}

/** The answer of GET /api/v1/search. */
export interface SearchResult {
  q: string;
  kind: SearchKind;
  /** Sites with at least one match, by name; each site's matches most recent first. */
  sites: { site: string; matches: SearchMatch[] }[];
}

/** Longest query text, characters. */
export const MAX_QUERY = 256;
/** Index rows read per key range: the most recent first. */
const ROWS_PER_RANGE = 2000;
/** Matches listed per site. */
const MATCHES_PER_SITE = 50;

/**
 * JA4 (FoxIO): `t13d1516h2_8daaf6152771_e5627efa2ab1` — protocol (t, q, d), TLS version, SNI flag
 * (d, i), cipher and extension counts, ALPN; then two 12-hex hashes. Its first part alone, or any
 * leading piece of the whole, is searched as a prefix.
 */
const JA4 = /^[tqd][0-9a-z]{2}[di][0-9]{4}[0-9a-z]{2}(_[0-9a-f]{0,12}(_[0-9a-f]{0,12})?)?$/i;

/** How `q` is read, and the key ranges to look up. */
export function classify(q: string): { kind: SearchKind; ranges: KeyRange[] } {
  const t = q.trim();
  const address = addressKey(t);
  if (address !== null) return { kind: 'address', ranges: [exactRange('address', address)] };
  const net = networkRange(t);
  if (net !== null) return { kind: 'network', ranges: [net] };
  const mac = macHexDigits(t);
  if (mac !== null) return { kind: 'mac', ranges: [mac.length === 12 ? exactRange('mac', mac) : prefixRange('mac', mac)] };
  if (JA4.test(t)) {
    const k = fingerprintKey(t)!;
    return { kind: 'fingerprint', ranges: [k.length >= 36 ? exactRange('fingerprint', k) : prefixRange('fingerprint', k)] };
  }
  const domain = t.includes('.') && /[a-z]/i.test(t.slice(t.lastIndexOf('.') + 1)) ? domainKey(t) : null;
  if (domain !== null) return { kind: 'domain', ranges: [exactRange('domain', domain), prefixRange('domain', `${domain}.`)] };
  const name = nameKey(t);
  // A vendor (the OUI registry's organization name) or a device's hostname, by prefix.
  return { kind: 'text', ranges: name === null ? [] : [prefixRange('vendor', name), prefixRange('host', name)] };
}

/** Searches every site's alerts, devices, traffic and logs for `q`. */
export function search(terms: HubTerms, q: string): SearchResult {
  const c = classify(q);
  const bySite = new Map<string, Map<string, SearchMatch>>();
  let vendorHit = false;
  for (const r of c.ranges) {
    for (const h of terms.find(r, ROWS_PER_RANGE)) {
      if (r.kind === 'vendor') vendorHit = true;
      let m = bySite.get(h.site);
      if (m === undefined) bySite.set(h.site, m = new Map<string, SearchMatch>());
      // One match per item: an alert whose source and destination both fall in a network is one hit.
      const key = `${h.source}\u0000${h.item}`;
      const had = m.get(key);
      if (had === undefined || had.lastSeen < h.lastSeen) m.set(key, { kind: h.source, id: h.item, summary: h.summary, lastSeen: h.lastSeen });
    }
  }
  const sites = [...bySite.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([site, m]) => ({
    site,
    matches: [...m.values()].sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0)).slice(0, MATCHES_PER_SITE),
  }));
  return { q, kind: c.kind === 'text' && vendorHit ? 'vendor' : c.kind, sites };
}
