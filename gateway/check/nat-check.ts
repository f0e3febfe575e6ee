// `nat.masquerade`: a new connection from the LAN leaving by the WAN meets a `masquerade` or
// `snat` statement on a nat chain of the postrouting hook (following jumps, as OpenWrt's fw4 does).
import type { CheckContext } from './check-context.js';
import { checkResult, type CheckResult } from './check-result.js';
import { baseChains, decidedBy, SNAT_STAGES, walkHooks } from './nft-evaluate.js';
import type { ProbePacket } from './nft-match.js';
import { chainName } from './nft-ruleset.js';
import { conditionText } from './wan-probe.js';

function fix(ctx: CheckContext): string {
  const wan = ctx.wan.name || 'WAN';
  return `Masquerade what leaves by the WAN: nft add table ip nat; ` +
    `nft add chain ip nat postrouting '{ type nat hook postrouting priority srcnat; }'; ` +
    `nft add rule ip nat postrouting oifname ${wan} masquerade; then save it in /etc/nftables.conf (and set net.ipv4.ip_forward=1).`;
}

/** Runs the item. */
export function checkNat(ctx: CheckContext): CheckResult {
  const id = 'nat.masquerade';
  if (!ctx.wan.ok) return checkResult(id, 'unknown', [ctx.wan.why], fix(ctx));
  if (!ctx.ruleset.ok) return checkResult(id, 'unknown', [`cannot read the ruleset: ${ctx.ruleset.why} (needs CAP_NET_ADMIN)`], fix(ctx));
  const rs = ctx.ruleset.value;
  const lanV4 = ctx.lan?.ok ? ctx.lan.addresses.find((a) => a.family === 4 && a.scope === 'global') : undefined;
  // A LAN host's connection to a web server: the source is in the LAN's network when it is known.
  const p: ProbePacket = {
    family: 4, l4proto: 6, iifname: ctx.lan?.name, oifname: ctx.wan.name, saddr: lanV4 ? lanHost(lanV4.address) : undefined,
    dport: 443, ctState: 'new',
  };
  const evidence: string[] = [];
  const chains = baseChains(rs, p, SNAT_STAGES);
  evidence.push(chains.length === 0
    ? 'nft: no nat chain on the postrouting hook'
    : `nft: ${chains.map((c) => `${chainName(c)} (priority ${c.prio}, ${c.rules.length} rules)`).join('; ')}`);
  const from = `new tcp from the LAN${ctx.lan ? ` (${ctx.lan.name}${p.saddr ? `, ${p.saddr}` : ''})` : ''} leaving by ${ctx.wan.name}`;
  const paths = walkHooks(rs, p, SNAT_STAGES);
  const nat = paths.filter((x) => x.outcome === 'nat');
  if (nat.length === paths.length) {
    evidence.push(`${from}: source translated by ${decidedBy(paths, 'nat').join('; ')}`);
    return checkResult(id, 'pass', evidence, fix(ctx));
  }
  if (nat.length > 0) {
    // Conditional NAT is the norm (`ip saddr 192.168.1.0/24 oifname wan masquerade`) when the LAN is not given.
    const cond = conditionText(nat[0]!);
    evidence.push(`${from}: source translated by ${decidedBy(paths, 'nat').join('; ')}${cond || ' when the fields the probe leaves open match'}${ctx.lan ? '' : ' (give --lan to test a LAN source)'}`);
    return checkResult(id, 'pass', evidence, fix(ctx));
  }
  if (paths.some((x) => x.outcome === 'unknown')) {
    evidence.push(`${from}: not decidable: ${decidedBy(paths, 'unknown').join('; ')}`);
    return checkResult(id, 'unknown', evidence, fix(ctx));
  }
  evidence.push(`${from}: no masquerade or snat statement reached: it leaves with its LAN source address`);
  return checkResult(id, 'fail', evidence, fix(ctx));
}

/** Another host of the LAN's network than the router (the address + 1, or - 1 at the top). */
function lanHost(routerAddress: string): string {
  const o = routerAddress.split('.').map(Number);
  o[3] = o[3]! < 254 ? o[3]! + 1 : o[3]! - 1;
  return o.join('.');
}
