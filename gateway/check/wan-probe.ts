// Probe packets "from the WAN" (any source address and port) to an address of the box, walked
// through the input hooks, and the evidence lines that say what happened to them.
import type { CheckContext } from './check-context.js';
import { decidedBy, INPUT_STAGES, summarize, walkHooks, type HookPath, type Reach } from './nft-evaluate.js';
import type { ProbePacket } from './nft-match.js';
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

/** A new TCP or UDP packet arriving on the WAN for `daddr` (default: the WAN's first address). */
export function wanInputPacket(ctx: CheckContext, family: 4 | 6, l4proto: number, dport: number, daddr?: string): ProbePacket {
  return {
    family, l4proto, iifname: ctx.wan.name, oifname: null,
    daddr: daddr ?? wanAddresses(ctx, family)[0], dport, ctState: 'new', daddrLocal: true,
  };
}

/** Walks the packet through the input hooks. */
export function reachInput(rs: NftRuleset, p: ProbePacket): Reach {
  return summarize(walkHooks(rs, p, INPUT_STAGES));
}

/** `new tcp from the WAN (gww) to 10.77.2.1:23` */
export function describeProbe(p: ProbePacket): string {
  const proto = p.l4proto === 6 ? 'tcp' : p.l4proto === 17 ? 'udp' : `protocol ${p.l4proto}`;
  const dst = p.daddr === undefined ? `port ${p.dport}` : p.family === 6 ? `[${p.daddr}]:${p.dport}` : `${p.daddr}:${p.dport}`;
  return `new ${proto} from the WAN (${p.iifname ?? '?'}) to ${dst}`;
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
