// `remote-admin.closed`: no telnet, SSH or web admin listener can be reached from the WAN. A
// listener counts when it is bound to every address or to one the WAN can reach (Linux accepts a
// packet for any local address on any interface, RFC 1122 §3.3.4.2 weak host model), and is not
// bound to another device; it is then reachable unless the ruleset drops a new connection to it
// arriving on the WAN.
import { ADMIN_PORTS, type CheckContext } from './check-context.js';
import { checkResult, type CheckResult } from './check-result.js';
import type { Reach } from './nft-evaluate.js';
import { describeListener, isWildcard, type Listener } from './socket-listeners.js';
import { conditionText, describeProbe, describeReach, reachInput, sourceOnlyAccepts, wanAddresses, wanFamilies, wanInputPacket } from './wan-probe.js';

/** Loopback addresses never arrive from outside (the kernel drops them as martians). */
const isLoopback = (a: string): boolean => a.startsWith('127.') || a === '::1';

function fix(ctx: CheckContext, ports: readonly number[]): string {
  const wan = ctx.wan.name || 'WAN';
  return `Close administration to the WAN: stop and disable any telnet daemon (telnetd, inetd; Mirai logs in over 23/2323), ` +
    `bind sshd and the admin web page to the LAN address only (ListenAddress in /etc/ssh/sshd_config), ` +
    `and drop them on the WAN: nft add rule inet filter input iifname ${wan} tcp dport '{ ${ports.join(', ')} }' drop (or a default-drop input policy).`;
}

/** Runs the item. */
export function checkRemoteAdmin(ctx: CheckContext): CheckResult {
  const id = 'remote-admin.closed';
  const ports = ctx.opts.adminPorts ?? ADMIN_PORTS;
  if (!ctx.listeners.ok) return checkResult(id, 'unknown', [`cannot list sockets: ${ctx.listeners.why}`], fix(ctx, ports));
  const admin = ctx.listeners.value.filter((l) => l.proto === 'tcp' && ports.includes(l.port));
  const evidence: string[] = [];
  if (admin.length === 0) {
    evidence.push(`ss: no TCP listener on ports ${ports.join(', ')} in ${ctx.probe.where}`);
    return checkResult(id, 'pass', evidence, fix(ctx, ports));
  }
  const verdicts: Reach['verdict'][] = [];
  let undecided = false;
  for (const l of admin) {
    const what = `ss: ${describeListener(l)}`;
    if (isLoopback(l.address)) { evidence.push(`${what}: loopback only`); continue; }
    if (l.device !== null && l.device !== ctx.wan.name) { evidence.push(`${what}: bound to device ${l.device}, not the WAN`); continue; }
    if (!ctx.wan.ok) { evidence.push(`${what}: ${ctx.wan.why}`); undecided = true; continue; }
    if (!ctx.ruleset.ok) { evidence.push(`${what}: listens where the WAN can reach it, and the ruleset cannot be read (${ctx.ruleset.why})`); undecided = true; continue; }
    const rs = ctx.ruleset.value;
    for (const { family, daddr, note } of targets(ctx, l)) {
      const p = wanInputPacket(ctx, family, 6, l.port, daddr, rs);
      const r = reachInput(rs, p);
      if (r.verdict === 'dropped') {
        // Dropped for an ordinary host; some sources may still be let in (a management network).
        const some = sourceOnlyAccepts(rs, p);
        if (some.length > 0) {
          verdicts.push('accepted');
          evidence.push(`${what}: ${describeProbe(p)}${note}: ${describeReach(r)}; but some sources can reach it from the WAN: accepted by ${some[0]!.by}${conditionText(some[0]!)}`);
          continue;
        }
      }
      verdicts.push(r.verdict);
      const how = r.verdict === 'dropped' ? `listens, but the WAN input is ${describeReach(r)}` : r.verdict === 'accepted' ? `reachable from the WAN: ${describeReach(r)}` : describeReach(r);
      evidence.push(`${what}: ${describeProbe(p)}${note}: ${how}`);
    }
  }
  const status = verdicts.includes('accepted') ? 'fail' : undecided || verdicts.some((v) => v !== 'dropped') ? 'unknown' : 'pass';
  return checkResult(id, status, evidence, fix(ctx, ports));
}

/** The addresses a WAN packet for this listener is sent to. */
function targets(ctx: CheckContext, l: Listener): { family: 4 | 6; daddr: string | undefined; note: string }[] {
  if (isWildcard(l.address)) {
    // `*` and `::` (without IPV6_V6ONLY) take IPv4 too; `0.0.0.0` only IPv4.
    const fams = l.address === '0.0.0.0' ? [4 as const] : wanFamilies(ctx);
    return fams.map((family) => ({ family, daddr: wanAddresses(ctx, family)[0], note: '' }));
  }
  const family = l.address.includes(':') ? 6 : 4;
  const own = ctx.wan.ok && ctx.wan.addresses.some((a) => a.address === l.address);
  return [{ family, daddr: l.address, note: own ? '' : ' (an address of another interface, reachable by packets routed to it over the WAN)' }];
}
