// The active suppressions indexed for the packet path: every alert input is looked up by its rule
// and device (four map lookups, nothing allocated), and only the few candidates there are checked
// for port, address and expiry. Rebuilt when a suppression is made, removed or expires.
import { parseIpv6, prefixContains, type IpPrefix } from '../../policies/net/ip-address.js';
import type { AlertInput } from './alert.js';
import type { RuleId } from './rules.js';

/** A suppression as the matcher holds it, with the counts not yet written. */
export interface ActiveSuppression {
  readonly id: string;
  readonly rule: RuleId | null;
  readonly device: string | null;
  /** Port to match, or -1 for any. */
  readonly port: number;
  /** Network to match, or null for any. */
  readonly net: IpPrefix | null;
  /** Wall-clock end, ms since the epoch. */
  readonly expiresAtMs: number;
  /** Occurrences silenced since the last flush (written to SQLite by the next one). */
  pending: number;
  /** Packet time of the newest of them, µs. */
  pendingLastUs: number;
  /** Occurrences silenced over its life, pending ones included. */
  total: number;
}

/** Key of "any rule" and "any device" in the index. */
const ANY = '';

/**
 * Dotted-quad text (or `::ffff:` + dotted quad) to a uint32 without allocating, or -1. Leading
 * zeros pass: the text comes from our own formatter, and a lenient read only widens a match.
 */
export function ipv4Bits(s: string): number {
  let i = s.length > 7 && s.startsWith('::ffff:') ? 7 : 0;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return (value * 256 + octet) >>> 0;
}

/** Whether the address text `addr` lies in `net`. */
function netHolds(net: IpPrefix, addr: string): boolean {
  if (addr === '') return false;
  if (net.family === 4) {
    const v4 = ipv4Bits(addr);
    return v4 >= 0 && prefixContains(net, v4, 0, 0, 0);
  }
  // IPv6 parses by splitting (it allocates): reached only by inputs whose rule, device and port already matched.
  if (!addr.includes(':')) return false;
  const w = parseIpv6(addr);
  return w !== null && prefixContains(net, w[0], w[1], w[2], w[3]);
}

/** Whether `s` silences `input` at wall-clock time `nowMs`. */
function fits(s: ActiveSuppression, input: AlertInput, nowMs: number): boolean {
  if (nowMs >= s.expiresAtMs) return false;
  if (s.port >= 0 && input.sport !== s.port && input.dport !== s.port) return false;
  if (s.net !== null && !netHolds(s.net, input.src) && !netHolds(s.net, input.dst)) return false;
  return true;
}

/** The active suppressions by rule, then by device (ANY for "any"), each list oldest first. */
export class SuppressionIndex {
  private readonly byRule = new Map<string, Map<string, ActiveSuppression[]>>();
  /** Suppressions indexed. */
  readonly size: number;

  constructor(list: Iterable<ActiveSuppression>) {
    let n = 0;
    for (const s of list) {
      let byDevice = this.byRule.get(s.rule ?? ANY);
      if (byDevice === undefined) this.byRule.set(s.rule ?? ANY, (byDevice = new Map<string, ActiveSuppression[]>()));
      let bucket = byDevice.get(s.device ?? ANY);
      if (bucket === undefined) byDevice.set(s.device ?? ANY, (bucket = []));
      bucket.push(s);
      n++;
    }
    this.size = n;
  }

  /**
   * The suppression that silences `input` at `nowMs`, or null. With several, the most specific
   * bucket wins (rule and device, rule, device, neither), then the oldest: an input counts once.
   */
  match(input: AlertInput, nowMs: number): ActiveSuppression | null {
    const dev = input.device ?? ANY;
    const forRule = this.byRule.get(input.rule);
    if (forRule !== undefined) {
      const hit = (dev !== ANY ? first(forRule.get(dev), input, nowMs) : null) ?? first(forRule.get(ANY), input, nowMs);
      if (hit !== null) return hit;
    }
    const anyRule = this.byRule.get(ANY);
    if (anyRule === undefined) return null;
    return (dev !== ANY ? first(anyRule.get(dev), input, nowMs) : null) ?? first(anyRule.get(ANY), input, nowMs);
  }
}

function first(bucket: readonly ActiveSuppression[] | undefined, input: AlertInput, nowMs: number): ActiveSuppression | null {
  if (bucket === undefined) return null;
  for (const s of bucket) if (fits(s, input, nowMs)) return s;
  return null;
}
