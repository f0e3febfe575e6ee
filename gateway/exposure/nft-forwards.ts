// The gateway's own port forwards, read from its nftables ruleset: every `dnat` statement, with the
// transport and destination port the rule matches, is a way in from outside to a LAN address. The
// exposure inventory lists them as mappings (via `nft`), refreshed from `nft -j list ruleset`.
// Every chain is read, not only those a prerouting hook reaches (OpenWrt's fw4 puts its forwards in
// regular chains it jumps to); a dnat in an output chain (locally made packets) is rare and counted too.
import type { NftRuleset } from '../check/nft-ruleset.js';
import type { ServiceProto } from './maintenance-services.js';

/** One forward. */
export interface NftForward {
  proto: ServiceProto;
  /** Destination port matched; 0 when the rule matches any (or a range too wide to list). */
  externalPort: number;
  internalIp: string;
  /** The port the packets go to: the dnat's port, else the one they came to. */
  internalPort: number;
  /** `family table chain handle N`: names the rule. */
  rule: string;
}

/** Ports listed from a set or range at most (a wider range is "any"). */
const MAX_PORTS = 64;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The ports a match's right side names: a number, a set of numbers, a small range; null when it names none it can list. */
function ports(right: unknown): number[] | null {
  if (typeof right === 'number') return [right];
  if (isObj(right) && Array.isArray(right.set)) {
    const out: number[] = [];
    for (const e of right.set) {
      const p = ports(e);
      if (p === null) return null;
      out.push(...p);
    }
    return out.length <= MAX_PORTS ? out : null;
  }
  if (isObj(right) && Array.isArray(right.range) && typeof right.range[0] === 'number' && typeof right.range[1] === 'number') {
    const [lo, hi] = right.range as [number, number];
    if (hi < lo || hi - lo >= MAX_PORTS) return null;
    return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  }
  return null;
}

/**
 * The forwards of a ruleset, in listing order. A rule that only takes packets coming in on one of
 * `lanInterfaces` (`iifname "lan0" … dnat`: a LAN-side redirect, such as DNS sent to a local
 * resolver) opens nothing to the internet and is left out.
 */
export function nftForwards(rs: NftRuleset, lanInterfaces: readonly string[] = []): NftForward[] {
  const out: NftForward[] = [];
  for (const c of rs.chains) {
    for (const r of c.rules) {
      let proto: ServiceProto | null = null;
      let dports: number[] | null = null;
      let target: { addr: string; port: number | null } | null = null;
      let lanOnly = false;
      for (const e of r.expr) {
        if (!isObj(e)) continue;
        if (isObj(e.match) && e.match.op !== '!=') {
          const left = e.match.left;
          if (isObj(left) && isObj(left.meta) && (left.meta.key === 'iifname' || left.meta.key === 'iif') && typeof e.match.right === 'string' && lanInterfaces.includes(e.match.right)) lanOnly = true;
          if (isObj(left) && isObj(left.payload) && (left.payload.protocol === 'tcp' || left.payload.protocol === 'udp')) {
            proto = left.payload.protocol;
            if (left.payload.field === 'dport') dports = ports(e.match.right);
          } else if (isObj(left) && isObj(left.meta) && left.meta.key === 'l4proto' && (e.match.right === 'tcp' || e.match.right === 'udp')) {
            proto = e.match.right;
          }
        }
        const d = e.dnat;
        if (isObj(d) && typeof d.addr === 'string') target = { addr: d.addr, port: typeof d.port === 'number' ? d.port : null };
      }
      if (target === null || lanOnly) continue;
      const rule = `${c.family} ${c.table} ${c.name} handle ${r.handle}`;
      // A dnat without a transport match forwards both: list TCP (maintenance logins are TCP).
      const p: ServiceProto = proto ?? 'tcp';
      if (dports === null || dports.length === 0) {
        if (target.port !== null) out.push({ proto: p, externalPort: 0, internalIp: target.addr, internalPort: target.port, rule });
        continue;
      }
      for (const dp of dports) out.push({ proto: p, externalPort: dp, internalIp: target.addr, internalPort: target.port ?? dp, rule });
    }
  }
  return out;
}
