// `firewall.wan-default-drop`: a new TCP and a new UDP packet from the WAN to a port no rule names
// is dropped by the nftables ruleset in force (iptables-nft rules show there too). Walking the
// rules, rather than reading one chain's policy, also catches `policy accept` chains that end in
// a drop rule and `policy drop` chains that accept the WAN early.
import type { CheckContext } from './check-context.js';
import { checkResult, type CheckResult } from './check-result.js';
import { baseChains, INPUT_STAGES } from './nft-evaluate.js';
import { chainName } from './nft-ruleset.js';
import { conditionText, describeProbe, describeReach, reachInput, sourceOnlyAccepts, unlistedPort, wanFamilies, wanInputPacket } from './wan-probe.js';

function fix(ctx: CheckContext): string {
  const wan = ctx.wan.name || 'WAN';
  const lan = ctx.lan?.name;
  return `Give input a default drop and allow only replies and the LAN: nft add table inet filter; ` +
    `nft add chain inet filter input '{ type filter hook input priority 0; policy drop; }'; ` +
    `nft add rule inet filter input ct state established,related accept; nft add rule inet filter input iifname lo accept; ` +
    `${lan ? `nft add rule inet filter input iifname ${lan} accept; ` : ''}` +
    `then save it in /etc/nftables.conf and enable nftables.service (or turn on the router's firewall for ${wan}).`;
}

/** Runs the item. */
export function checkFirewall(ctx: CheckContext): CheckResult {
  const id = 'firewall.wan-default-drop';
  if (!ctx.wan.ok) return checkResult(id, 'unknown', [ctx.wan.why], fix(ctx));
  if (!ctx.ruleset.ok) return checkResult(id, 'unknown', [`cannot read the ruleset: ${ctx.ruleset.why} (needs CAP_NET_ADMIN)`], fix(ctx));
  const rs = ctx.ruleset.value;
  const evidence: string[] = [];
  const input = baseChains(rs, wanInputPacket(ctx, 4, 6, 0), INPUT_STAGES);
  evidence.push(input.length === 0
    ? `nft: no base chain on the ingress, prerouting or input hooks (${rs.tables.length} tables): the kernel accepts all input`
    : `nft: ${input.map((c) => `${chainName(c)} (hook ${c.hook}, priority ${c.prio}, policy ${c.policy}, ${c.rules.length} rules)`).join('; ')}`);
  const port = unlistedPort(rs);
  const verdicts: string[] = [];
  for (const family of wanFamilies(ctx)) {
    for (const l4 of [6, 17]) {
      const p = wanInputPacket(ctx, family, l4, port, undefined, rs);
      const r = reachInput(rs, p);
      verdicts.push(r.verdict);
      evidence.push(`${describeProbe(p)} (a port no rule names): ${describeReach(r)}`);
      // A default drop with exceptions for chosen sources is still a default drop; say which.
      if (r.verdict === 'dropped') {
        for (const a of sourceOnlyAccepts(rs, p).slice(0, 3)) evidence.push(`  but accepted from some sources by ${a.by}${conditionText(a)}`);
      }
    }
  }
  const status = verdicts.every((v) => v === 'dropped') ? 'pass' : verdicts.includes('accepted') ? 'fail' : 'unknown';
  return checkResult(id, status, evidence, fix(ctx));
}
