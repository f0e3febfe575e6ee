// A vendor token's scope: the manufacturer domain it was created for. A vendor may upload or delete
// a MUD profile only when the profile's MUD URL is served from that domain or a name under it.
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The canonical form of a vendor domain (lower case, IDNA A-labels, no trailing dot), or null when
 * it is not a DNS name of at least two labels. One label ("com") is refused: it would make the
 * vendor the owner of every MUD URL under a top-level domain. An all-numeric last label is refused
 * so that an IPv4 address never passes as a domain.
 */
export function normalizeVendorDomain(domain: string): string | null {
  let d = domain.trim();
  if (d.endsWith('.')) d = d.slice(0, -1);
  if (d === '' || isIP(d) !== 0) return null;
  d = domainToASCII(d);
  if (d === '' || d.length > 253) return null;
  const labels = d.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return null;
  return d;
}

/**
 * Whether the vendor of `domain` owns the profile at `mudUrl`: the URL is https (RFC 8520 §4:
 * MUD URLs are https) and its host, lower-cased and without a trailing dot, is the domain or ends
 * with "." + domain — so `evil-example.com` is not under `example.com`. IP-literal hosts never
 * match: an address says nothing about who the manufacturer is.
 */
export function vendorOwns(domain: string, mudUrl: string): boolean {
  const d = normalizeVendorDomain(domain);
  if (d === null) return false;
  let url: URL;
  try {
    url = new URL(mudUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:') return false;
  let host = url.hostname.toLowerCase();
  if (host.startsWith('[') || isIP(host) !== 0) return false;
  if (host.endsWith('.')) host = host.slice(0, -1);
  // WHATWG URL parsing already turned a numeric host ("https://0x7f.1/") into dotted form; refuse
  // whatever still ends in a numeric label for the same reason normalizeVendorDomain does.
  if (/\.[0-9]+$/.test(host) || /^[0-9]+$/.test(host)) return false;
  return host === d || host.endsWith('.' + d);
}
