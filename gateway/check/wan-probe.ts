// Probe packets "from the WAN" (any source address and port) to an address of the box, walked
// through the input hooks, and the evidence lines that say what happened to them.
import type { CheckContext } from './check-context.js';
import { decidedBy, INPUT_STAGES, summarize, walkHooks, type HookPath, type Reach } from './nft-evaluate.js';
import { mentionedPorts, sourceNamedBy, type ProbePacket } from './nft-match.js';
import type { NftRuleset } from './nft-ruleset.js';

/** The WAN's global addresses of a family (what a packet from the internet is sent to). */
export function wanAddresses(ctx: CheckContext, family: 4 | 6): string[] {
  if (!ctx.wan.ok) return [];
  return ctx.wan.addresses.filter((a) => a.family === family && a.scope === 'global').map((a) => a.address);
}

/** The address families a WAN probe is sent in: IPv4 always, IPv6 when the WAN has a global IPv6 address. */
export function wanFamilies(ctx: CheckContext): (4 | 6)[] {
  return wanAddresses(ctx, 6).length > 0 ? [4, 6] : [4];
}

/** A port at or above 1024 that no port match or range of the ruleset names (so only the defaults decide). */
export function unlistedPort(rs: NftRuleset): number {
  const { ports, ranges } = mentionedPorts(rs.chains.map((c) => c.rules.flatMap((r) => r.expr)), rs.sets);
  const free = (p: number) => !ports.has(p) && !ranges.some(([lo, hi]) => p >= lo && p <= hi);
  for (let p = 47_000; p <= 65_535; p++) if (free(p)) return p;
  for (let p = 1024; p < 47_000; p++) if (free(p)) return p;
  return 47_000;
}

/** Documentation addresses (RFC 5737, RFC 3849, RFC 9637) standing for an ordinary internet host. */
const GENERIC_SOURCES = { 4: ['192.0.2.77', '198.51.100.77', '203.0.113.77'], 6: ['2001:db8::77', '2001:db8:77::77', '3fff::77'] } as const;

/** An ordinary internet host's address: one no source match of the ruleset names. */
export function genericSource(rs: NftRuleset, family: 4 | 6): string {
  const exprs = rs.chains.map((c) => c.rules.flatMap((r) => r.expr));
  return GENERIC_SOURCES[family].find((a) => !sourceNamedBy(exprs, rs.sets, a)) ?? GENERIC_SOURCES[family][0];
}

/**
 * A new TCP or UDP packet arriving on the WAN for `daddr` (default: the WAN's first address). With
 * a ruleset it comes from an ordinary internet host (an address and port no rule names, in no
 * run-time set); without, from any source (address and port unknown, every way followed).
 */
export function wanInputPacket(ctx: CheckContext, family: 4 | 6, l4proto: number, dport: number, daddr?: string, from?: NftRuleset): ProbePacket {
  return {
    family, l4proto, iifname: ctx.wan.name, oifname: null,
    daddr: daddr ?? wanAddresses(ctx, family)[0], dport, ctState: 'new', daddrLocal: true,
    ...(from ? { saddr: genericSource(from, family), sport: unlistedPort(from), dynamicSetsEmpty: true } : {}),
  };
}

/** The ways an any-source packet is accepted that a host can choose to take (source-only conditions). */
export function sourceOnlyAccepts(rs: NftRuleset, p: ProbePacket): HookPath[] {
  const any: ProbePacket = { ...p, saddr: undefined, sport: undefined, dynamicSetsEmpty: false };
  return walkHooks(rs, any, INPUT_STAGES).filter((x) => x.outcome === 'accept' && !x.opaque);
}

/** Walks the packet through the input hooks. */
export function reachInput(rs: NftRuleset, p: ProbePacket): Reach {
  return summarize(walkHooks(rs, p, INPUT_STAGES));
}

/** `new tcp from 192.0.2.77 on the WAN (gww) to 10.77.2.1:23` */
export function describeProbe(p: ProbePacket): string {
  const proto = p.l4proto === 6 ? 'tcp' : p.l4proto === 17 ? 'udp' : `protocol ${p.l4proto}`;
  const dst = p.daddr === undefined ? `port ${p.dport}` : p.family === 6 ? `[${p.daddr}]:${p.dport}` : `${p.daddr}:${p.dport}`;
  return `new ${proto} from ${p.saddr ?? 'any host'} on the WAN (${p.iifname ?? '?'}) to ${dst}`;
}

/** What a reach verdict says, in one evidence line (with the conditions when it depends on them). */
export function describeReach(r: Reach): string {
  switch (r.verdict) {
    case 'dropped': return `dropped by ${decidedBy(r.paths, 'drop').join('; ')}`;
    case 'accepted': return `accepted (${decidedBy(r.paths, 'accept').join('; ')})`;
    case 'natted': return `translated by ${decidedBy(r.paths, 'nat').join('; ')}`;
    case 'unknown': return `not decidable: ${decidedBy(r.paths, 'unknown').join('; ')}`;
    case 'mixed': {
      const acc = r.paths.find((x) => x.outcome === 'accept');
      return `accepted${acc ? conditionText(acc) : ''} (${decidedBy(r.paths, 'accept').join('; ')}), dropped otherwise (${decidedBy(r.paths, 'drop').join('; ')})`;
    }
  }
}

/** ` when A and B`: what a way assumed, leaving out the deciding rule itself (it matched, of course). */
export function conditionText(path: HookPath, max = 3): string {
  const conds = path.assumed.filter((a) => a !== `${path.by} (matches)`);
  if (conds.length === 0) return '';
  return ` when ${conds.slice(0, max).join(' and ')}${conds.length > max ? ` and ${conds.length - max} more` : ''}`;
}
