// Writes learned entries as an RFC 8520 MUD file: one from-device and one to-device ACL per IP
// family (RFC 8519 ACL types), two ACEs per entry, every match spelled out (protocol with its
// transport, module-prefixed members) so that `edgeward mud validate` accepts it without a warning.
import type { LearnedEntry } from './learned-entries.js';

/** The mud container's metadata. */
export interface MudMeta {
  mudUrl: string;
  /** yang:date-and-time. */
  lastUpdate: string;
  /** At most 60 characters (RFC 8520 §2.1). */
  systeminfo: string;
  /** Hours; RFC 8520 default 48. */
  cacheValidity: number;
}

type Json = Record<string, unknown>;
type Dir = 'from-device' | 'to-device';

/** ICMP request → reply types whose answer travels back on the same flow (RFC 792, RFC 4443). */
const ICMP_REPLY: Record<number, Record<number, number>> = {
  1: { 8: 0, 13: 14 },
  58: { 128: 129 },
};

const eq = (port: number): Json => ({ operator: 'eq', port });

/** The ACL name of a direction and family: `from-ipv4-<slug>`. */
export function aclName(dir: Dir, family: 4 | 6, slug: string): string {
  return `${dir === 'from-device' ? 'from' : 'to'}-ipv${family}-${slug}`;
}

/** A short ACL-name tag from the MUD URL's last path segment ("tapo-p115"), or "device". */
export function urlSlug(mudUrl: string): string {
  let seg: string;
  try {
    seg = new URL(mudUrl).pathname.split('/').filter((s) => s !== '').at(-1) ?? '';
  } catch {
    seg = '';
  }
  const s = seg.replace(/\.(json|mud)$/i, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return s === '' ? 'device' : s;
}

/** The matches of one entry's ACE in `dir`, or null when that direction has no ACE (an ICMP message without a reply). */
export function aceMatches(e: LearnedEntry, dir: Dir): Json | null {
  const from = dir === 'from-device';
  const l3: Json = { protocol: e.proto };
  const matches: Json = {};
  const net = e.family === 4 ? 'ipv4' : 'ipv6';
  const hostBits = e.family === 4 ? 32 : 128;
  switch (e.peer.kind) {
    case 'name': l3[from ? 'ietf-acldns:dst-dnsname' : 'ietf-acldns:src-dnsname'] = e.peer.name; break;
    case 'address': l3[from ? `destination-${net}-network` : `source-${net}-network`] = `${e.peer.address}/${hostBits}`; break;
    case 'dhcp':
    case 'local': matches['ietf-mud:mud'] = { 'local-networks': [null] }; break;
    case 'service': matches['ietf-mud:mud'] = { controller: e.peer.urn }; break;
    case 'controller': matches['ietf-mud:mud'] = { controller: e.peer.uri }; break;
    case 'my-controller': matches['ietf-mud:mud'] = { 'my-controller': [null] }; break;
  }
  matches[net] = l3;
  if (e.proto === 6 || e.proto === 17) {
    const l4: Json = {};
    if (e.dhcp) {
      // RFC 2131 §4.1: client port 68, server port 67, both fixed.
      l4['source-port'] = eq(from ? 68 : 67);
      l4['destination-port'] = eq(from ? 67 : 68);
    } else if (e.port >= 0) {
      // The server's port: the peer's when the device is the client, else the device's own.
      const peerSide = e.deviceIsClient;
      l4[from === peerSide ? 'destination-port' : 'source-port'] = eq(e.port);
    }
    // RFC 8520 §4.1, on the ACE of the direction that opened the connection.
    const openerDir: Dir = e.deviceIsClient ? 'from-device' : 'to-device';
    if (e.proto === 6 && e.initiated !== null && dir === openerDir) l4['ietf-mud:direction-initiated'] = e.initiated;
    matches[e.proto === 6 ? 'tcp' : 'udp'] = l4;
  } else if ((e.proto === 1 && e.family === 4) || (e.proto === 58 && e.family === 6)) {
    const openerDir: Dir = e.deviceIsClient ? 'from-device' : 'to-device';
    if (e.icmpType >= 0) {
      const type = dir === openerDir ? e.icmpType : ICMP_REPLY[e.proto]?.[e.icmpType];
      if (type === undefined) return null;
      matches.icmp = { type };
    }
  }
  return matches;
}

/** The whole MUD document for the entries, in the given order. */
export function mudDocument(meta: MudMeta, entries: readonly LearnedEntry[]): Json {
  const slug = urlSlug(meta.mudUrl);
  const acls: Json[] = [];
  const policy: Record<Dir, Json[]> = { 'from-device': [], 'to-device': [] };
  for (const family of [4, 6] as const) {
    const mine = entries.filter((e) => e.family === family);
    if (mine.length === 0) continue;
    for (const dir of ['from-device', 'to-device'] as const) {
      const aces: Json[] = [];
      for (const e of mine) {
        const m = aceMatches(e, dir);
        if (m !== null) aces.push({ name: `${e.id}-${dir === 'from-device' ? 'frdev' : 'todev'}`, matches: m, actions: { forwarding: 'accept' } });
      }
      if (aces.length === 0) continue;
      const name = aclName(dir, family, slug);
      acls.push({ name, type: `ipv${family}-acl-type`, aces: { ace: aces } });
      policy[dir].push({ name });
    }
  }
  return {
    'ietf-mud:mud': {
      'mud-version': 1,
      'mud-url': meta.mudUrl,
      'last-update': meta.lastUpdate,
      'cache-validity': meta.cacheValidity,
      'is-supported': true,
      systeminfo: meta.systeminfo,
      'from-device-policy': { 'access-lists': { 'access-list': policy['from-device'] } },
      'to-device-policy': { 'access-lists': { 'access-list': policy['to-device'] } },
    },
    'ietf-access-control-list:acls': { acl: acls },
  };
}
