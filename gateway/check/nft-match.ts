// Three-valued matching of one nftables match expression (libnftables JSON) against a probe
// packet whose fields are partly unknown (a packet "from the WAN" has any source address): yes, no,
// or maybe. What this does not understand is `maybe`, so a conclusion is only drawn when it holds
// whatever the unknown parts are.
import { parseIpAddress, parsePrefix, prefixContains } from '../../policies/net/ip-address.js';
import { objKey, type NftSet } from './nft-ruleset.js';

/** Result of a match: holds, does not hold, or depends on what is not known. */
export type Tri = 'yes' | 'no' | 'maybe';

/** The packet a check walks through the ruleset. An undefined field is unknown (any value). */
export interface ProbePacket {
  /** Address family: which tables see it (ip or ip6, and inet). */
  family: 4 | 6;
  /** IANA protocol number: 6 TCP, 17 UDP. */
  l4proto: number;
  /** Input interface; null on the output path. */
  iifname?: string | null;
  /** Output interface; null on the input path. */
  oifname?: string | null;
  saddr?: string;
  daddr?: string;
  sport?: number;
  dport?: number;
  /** Conntrack state (`new` for a first packet). */
  ctState: 'new' | 'established';
  /** True when the destination is an address of the box (input path: `fib daddr type local`). */
  daddrLocal?: boolean;
  /**
   * Read sets filled at run time (`flags dynamic` or `timeout`: bans, port knocking) as empty: right
   * for an ordinary internet host, which none of them holds. Default false (membership unknown).
   */
  dynamicSetsEmpty?: boolean;
}

/** Where a match looks up named sets: the rule's family and table. */
export interface MatchScope {
  family: string;
  table: string;
  sets: Map<string, NftSet>;
}

/** A value of the packet: known, unknown, or absent (the header is not there, e.g. tcp on a UDP packet). */
type Field = { k: 'known'; v: string | number } | { k: 'unknown' } | { k: 'absent' };
const UNKNOWN: Field = { k: 'unknown' };
const ABSENT: Field = { k: 'absent' };
const known = (v: string | number | undefined | null): Field => (v === undefined ? UNKNOWN : v === null ? ABSENT : { k: 'known', v });

/** Protocol names nft may print instead of numbers (IANA protocol numbers). */
const PROTO_NUMBERS: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136 };
/** Service names nft may print instead of port numbers (IANA service names). */
const SERVICE_PORTS: Record<string, number> = { ssh: 22, telnet: 23, domain: 53, http: 80, https: 443, ntp: 123, bootps: 67, bootpc: 68, 'http-alt': 8080 };

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The packet's value for the left side of a match. */
function field(left: unknown, p: ProbePacket): Field {
  if (!isObj(left)) return UNKNOWN;
  if (isObj(left.meta)) {
    switch (left.meta.key) {
      case 'iifname': case 'iif': return known(p.iifname);
      case 'oifname': case 'oif': return known(p.oifname);
      case 'l4proto': return known(p.l4proto);
      case 'nfproto': return known(p.family === 4 ? 'ipv4' : 'ipv6');
      case 'protocol': return known(p.family === 4 ? 'ip' : 'ip6');
      case 'pkttype': return known('host');
      default: return UNKNOWN;
    }
  }
  if (isObj(left.payload)) {
    const { protocol, field: f } = left.payload;
    if (protocol === 'ip' || protocol === 'ip6') {
      if ((protocol === 'ip') !== (p.family === 4)) return ABSENT;
      if (f === 'saddr') return known(p.saddr);
      if (f === 'daddr') return known(p.daddr);
      if (f === 'protocol' || f === 'nexthdr') return known(p.l4proto);
      if (f === 'version') return known(p.family);
      return UNKNOWN;
    }
    if (protocol === 'tcp' || protocol === 'udp' || protocol === 'th') {
      if (protocol !== 'th' && PROTO_NUMBERS[protocol] !== p.l4proto) return ABSENT;
      if (f === 'sport') return known(p.sport);
      if (f === 'dport') return known(p.dport);
      return UNKNOWN;
    }
    // Another layer 4 header (icmp, sctp…) on a TCP or UDP probe is not there.
    if (typeof protocol === 'string' && protocol in PROTO_NUMBERS && PROTO_NUMBERS[protocol] !== p.l4proto) return ABSENT;
    return UNKNOWN;
  }
  if (isObj(left.ct)) {
    if (left.ct.key === 'state') return known(p.ctState);
    if (left.ct.key === 'direction') return known('original');
    return UNKNOWN;
  }
  if (isObj(left.fib)) {
    const flags = Array.isArray(left.fib.flags) ? left.fib.flags : [left.fib.flags];
    if (left.fib.result === 'type' && flags.length === 1 && flags[0] === 'daddr' && p.daddrLocal !== undefined) return known(p.daddrLocal ? 'local' : 'unicast');
    return UNKNOWN;
  }
  return UNKNOWN;
}

/** A scalar of the right side in the packet's terms (protocol and service names to numbers). */
function scalar(v: unknown): string | number | null {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return null;
  if (v in PROTO_NUMBERS) return PROTO_NUMBERS[v]!;
  if (v in SERVICE_PORTS) return SERVICE_PORTS[v]!;
  return v;
}

/** Does one element (value, range, prefix, `{elem: {val}}`) hold the value? */
function elementHolds(el: unknown, v: string | number): Tri {
  if (isObj(el) && isObj(el.elem)) return elementHolds(el.elem.val, v);
  if (isObj(el) && Array.isArray(el.range) && el.range.length === 2) {
    const lo = scalar(el.range[0]);
    const hi = scalar(el.range[1]);
    if (typeof v === 'number' && typeof lo === 'number' && typeof hi === 'number') return v >= lo && v <= hi ? 'yes' : 'no';
    if (typeof v === 'string' && typeof lo === 'string' && typeof hi === 'string') return addressInRange(v, lo, hi);
    return 'maybe';
  }
  if (isObj(el) && isObj(el.prefix)) {
    const pfx = parsePrefix(`${String(el.prefix.addr)}/${String(el.prefix.len)}`);
    const a = typeof v === 'string' ? parseIpAddress(v) : null;
    if (pfx === null || a === null) return 'maybe';
    if (pfx.family !== a.family) return 'no';
    return prefixContains(pfx, a.words[0], a.words[1], a.words[2], a.words[3]) ? 'yes' : 'no';
  }
  const s = scalar(el);
  if (s === null) return 'maybe';
  return equal(v, s);
}

/** Equality, with nft's interface-name wildcard (`"wan*"`) and address text compared as addresses. */
function equal(v: string | number, s: string | number): Tri {
  if (typeof v === 'string' && typeof s === 'string') {
    if (s.endsWith('*') && !s.endsWith('\\*')) return v.startsWith(s.slice(0, -1)) ? 'yes' : 'no';
    const a = parseIpAddress(v);
    const b = parseIpAddress(s);
    if (a !== null && b !== null) return a.family === b.family && a.words.every((w, i) => w === b.words[i]) ? 'yes' : 'no';
    return v === s ? 'yes' : 'no';
  }
  return v === s ? 'yes' : 'no';
}

function addressInRange(v: string, lo: string, hi: string): Tri {
  const a = parseIpAddress(v);
  const l = parseIpAddress(lo);
  const h = parseIpAddress(hi);
  if (a === null || l === null || h === null || l.family !== a.family || h.family !== a.family) return 'maybe';
  const cmp = (x: readonly number[], y: readonly number[]): number => {
    for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return 0;
  };
  return cmp(a.words, l.words) >= 0 && cmp(a.words, h.words) <= 0 ? 'yes' : 'no';
}

/** Any element of a list holds the value: yes if one does, no if none can, maybe otherwise. */
function anyHolds(list: readonly unknown[], v: string | number): Tri {
  let r: Tri = 'no';
  for (const el of list) {
    const h = elementHolds(el, v);
    if (h === 'yes') return 'yes';
    if (h === 'maybe') r = 'maybe';
  }
  return r;
}

/** The elements of a named set when they are fixed (no dynamic or timeout flags), else null. */
function namedSet(name: string, scope: MatchScope, dynamicEmpty = false): readonly unknown[] | null {
  const s = scope.sets.get(objKey(scope.family, scope.table, name));
  if (s === undefined) return null;
  if (s.flags.includes('dynamic') || s.flags.includes('timeout')) return dynamicEmpty ? [] : null;
  return s.elem ?? [];
}

/** Membership of the value in the right side of a match (scalar, set, range, prefix, @named). */
function holds(right: unknown, v: string | number, scope: MatchScope, dynamicEmpty: boolean): Tri {
  if (typeof right === 'string' && right.startsWith('@')) {
    const els = namedSet(right.slice(1), scope, dynamicEmpty);
    return els === null ? 'maybe' : anyHolds(els, v);
  }
  if (isObj(right) && Array.isArray(right.set)) return anyHolds(right.set, v);
  // A list on the right is a flag set (`ct state established,related`): any of them.
  if (Array.isArray(right)) return anyHolds(right, v);
  return elementHolds(right, v);
}

/** Does the packet's value of `key` (a vmap's key expression) equal the map element `el`? */
export function keyHolds(key: unknown, el: unknown, p: ProbePacket): Tri {
  const f = field(key, p);
  if (f.k === 'absent') return 'no';
  if (f.k === 'unknown') return 'maybe';
  return elementHolds(el, f.v);
}

/** The `[key, verdict]` pairs of a vmap's data: inline, or a named map's elements; null when not fixed. */
export function vmapPairs(data: unknown, scope: MatchScope): [unknown, unknown][] | null {
  const list = typeof data === 'string' && data.startsWith('@') ? namedSet(data.slice(1), scope) : isObj(data) && Array.isArray(data.set) ? data.set : null;
  if (list === null) return null;
  const pairs: [unknown, unknown][] = [];
  for (const el of list) {
    if (Array.isArray(el) && el.length === 2) pairs.push([el[0], el[1]]);
    else return null;
  }
  return pairs;
}

const not = (t: Tri): Tri => (t === 'yes' ? 'no' : t === 'no' ? 'yes' : 'maybe');

/** TCP flag bits (RFC 9293 §3.1, RFC 3168 §6.1) by the names nft uses. */
const TCP_FLAGS: Record<string, number> = { fin: 0x01, syn: 0x02, rst: 0x04, psh: 0x08, ack: 0x10, urg: 0x20, ecn: 0x40, cwr: 0x80 };

/** Flag names, a list of them, or a number, as a bit mask; null when unreadable. */
function flagMask(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return TCP_FLAGS[v] ?? null;
  if (Array.isArray(v)) {
    let m = 0;
    for (const x of v) { const b = flagMask(x); if (b === null) return null; m |= b; }
    return m;
  }
  return null;
}

/**
 * `tcp flags …` and `tcp flags & MASK …`: the probe's flags (SYN for a new connection, ACK after)
 * under the mask; 'absent' on a UDP probe; null when the left side is something else.
 */
function tcpFlags(left: unknown, p: ProbePacket): number | 'absent' | null {
  let mask = 0xff;
  let l = left;
  if (isObj(l) && Array.isArray(l['&']) && l['&'].length === 2) {
    const m = flagMask(l['&'][1]);
    if (m === null) return null;
    mask = m;
    l = l['&'][0];
  }
  if (!isObj(l) || !isObj(l.payload) || l.payload.protocol !== 'tcp' || l.payload.field !== 'flags') return null;
  if (p.l4proto !== 6) return 'absent';
  return (p.ctState === 'new' ? TCP_FLAGS.syn! : TCP_FLAGS.ack!) & mask;
}

/** Matches `{match: {op, left, right}}` against the packet. */
export function matchExpr(m: Record<string, unknown>, p: ProbePacket, scope: MatchScope): Tri {
  const flags = tcpFlags(m.left, p);
  if (flags === 'absent') return 'no';
  if (flags !== null) {
    const r = isObj(m.right) && Array.isArray(m.right.set) ? null : flagMask(m.right);
    if (r === null) return 'maybe';
    // A bare `tcp flags syn` is a bit test (op `in`); `==` and `!=` compare the masked value.
    if (m.op === 'in') return (flags & r) !== 0 ? 'yes' : 'no';
    if (m.op === '!=') return flags !== r ? 'yes' : 'no';
    return flags === r ? 'yes' : 'no';
  }
  const f = field(m.left, p);
  // nft adds a dependency on the header's protocol: a match on an absent header never holds.
  if (f.k === 'absent') return 'no';
  if (f.k === 'unknown') return 'maybe';
  const op = typeof m.op === 'string' ? m.op : '==';
  switch (op) {
    case '==': case 'in': return holds(m.right, f.v, scope, p.dynamicSetsEmpty === true);
    case '!=': return not(holds(m.right, f.v, scope, p.dynamicSetsEmpty === true));
    case '<': case '>': case '<=': case '>=': {
      const r = scalar(m.right);
      if (typeof f.v !== 'number' || typeof r !== 'number') return 'maybe';
      const ok = op === '<' ? f.v < r : op === '>' ? f.v > r : op === '<=' ? f.v <= r : f.v >= r;
      return ok ? 'yes' : 'no';
    }
    default:
      return 'maybe';
  }
}

/**
 * True when the match reads only what the remote host chooses (source address or port): a packet
 * that does not meet it can be sent by some other host that does.
 */
export function isSourceMatch(m: Record<string, unknown>): boolean {
  const l = m.left;
  if (!isObj(l) || !isObj(l.payload)) return false;
  const { protocol, field: f } = l.payload;
  return (f === 'saddr' && (protocol === 'ip' || protocol === 'ip6')) || (f === 'sport' && (protocol === 'tcp' || protocol === 'udp' || protocol === 'th'));
}

/** Addresses an `ip saddr`/`ip6 saddr` match of the rules names (elements, sets), to pick a source none does. */
export function sourceNamedBy(exprs: Iterable<readonly unknown[]>, sets: Map<string, NftSet>, addr: string): boolean {
  for (const list of exprs) {
    for (const e of list) {
      if (!isObj(e) || !isObj(e.match) || !isObj(e.match.left) || !isObj(e.match.left.payload) || e.match.left.payload.field !== 'saddr') continue;
      const r = e.match.right;
      let els: readonly unknown[];
      if (typeof r === 'string' && r.startsWith('@')) els = [...sets.values()].filter((s) => s.name === r.slice(1)).flatMap((s) => s.elem ?? []);
      else if (isObj(r) && Array.isArray(r.set)) els = r.set;
      else els = [r];
      if (anyHolds(els, addr) !== 'no') return true;
    }
  }
  return false;
}

/** Every port number a ruleset's matches name (scalars, sets, ranges' ends), to pick one it does not. */
export function mentionedPorts(exprs: Iterable<readonly unknown[]>, sets: Map<string, NftSet>): { ports: Set<number>; ranges: [number, number][] } {
  const ports = new Set<number>();
  const ranges: [number, number][] = [];
  const addEl = (el: unknown): void => {
    if (isObj(el) && isObj(el.elem)) { addEl(el.elem.val); return; }
    if (isObj(el) && Array.isArray(el.range)) {
      const lo = scalar(el.range[0]);
      const hi = scalar(el.range[1]);
      if (typeof lo === 'number' && typeof hi === 'number') ranges.push([lo, hi]);
      return;
    }
    if (isObj(el) && Array.isArray(el.set)) { el.set.forEach(addEl); return; }
    if (Array.isArray(el)) { el.forEach(addEl); return; }
    const s = scalar(el);
    if (typeof s === 'number') ports.add(s);
  };
  const visit = (e: unknown): void => {
    if (!isObj(e)) return;
    if (isObj(e.match) && isObj(e.match.left) && isObj(e.match.left.payload)) {
      const f = e.match.left.payload.field;
      if (f === 'dport' || f === 'sport') {
        const r = e.match.right;
        if (typeof r === 'string' && r.startsWith('@')) {
          for (const s of sets.values()) if (s.name === r.slice(1)) (s.elem ?? []).forEach(addEl);
        } else addEl(r);
      }
    }
    if (isObj(e.vmap) && isObj(e.vmap.key) && isObj(e.vmap.key.payload) && isObj(e.vmap.data) && Array.isArray(e.vmap.data.set)) {
      for (const pair of e.vmap.data.set) if (Array.isArray(pair)) addEl(pair[0]);
    }
  };
  for (const list of exprs) list.forEach(visit);
  return { ports, ranges };
}
