// `upnp.off`: nothing listens on SSDP (udp 1900, UPnP Device Architecture 2.0 §1) or NAT-PMP/PCP
// (udp 5351, RFC 6886 and RFC 6887), and no UPnP IGD or NAT-PMP daemon runs in the namespace: a
// device (or malware on one) could otherwise open ports of the router to the internet.
import type { CheckContext } from './check-context.js';
import { checkResult, type CheckResult } from './check-result.js';
import { describeListener } from './socket-listeners.js';

/** SSDP and NAT-PMP/PCP server ports. */
export const UPNP_PORTS: readonly number[] = Object.freeze([1900, 5351]);
/** Process names of UPnP IGD and NAT-PMP/PCP servers. */
export const UPNP_DAEMONS: readonly string[] = Object.freeze(['miniupnpd', 'upnpd', 'linux-igd', 'natpmpd', 'pcpd', 'igd']);

const FIX = 'Turn UPnP IGD and NAT-PMP/PCP off: stop and disable the daemon (systemctl disable --now miniupnpd; on OpenWrt ' +
  '/etc/init.d/miniupnpd disable && /etc/init.d/miniupnpd stop; on a home router, the UPnP switch of its admin page) ' +
  'and forward the ports a device needs by hand.';

/** Runs the item. */
export function checkUpnp(ctx: CheckContext): CheckResult {
  const id = 'upnp.off';
  const evidence: string[] = [];
  let fail = false;
  let unknown = false;
  if (ctx.listeners.ok) {
    const hits = ctx.listeners.value.filter((l) => (l.proto === 'udp' && UPNP_PORTS.includes(l.port)) || l.processes.some((p) => UPNP_DAEMONS.includes(p.name)));
    for (const l of hits) evidence.push(`ss: ${describeListener(l)} listens${UPNP_PORTS.includes(l.port) ? ` on the ${l.port === 1900 ? 'SSDP (UPnP discovery)' : 'NAT-PMP/PCP'} port` : ' (a UPnP daemon)'}`);
    if (hits.length > 0) fail = true;
    else evidence.push(`ss: no socket on udp ${UPNP_PORTS.join(' or ')} in ${ctx.probe.where}`);
  } else {
    unknown = true;
    evidence.push(`cannot list sockets: ${ctx.listeners.why}`);
  }
  if (ctx.processes.ok) {
    const { list, unreadable } = ctx.processes.value;
    const daemons = list.filter((p) => UPNP_DAEMONS.includes(p.name));
    for (const d of daemons) evidence.push(`process ${d.name} (pid ${d.pid}) runs in ${ctx.probe.where}`);
    if (daemons.length > 0) fail = true;
    else evidence.push(`/proc: no ${UPNP_DAEMONS.join('/')} process among the ${list.length} in ${ctx.probe.where}${unreadable > 0 ? ` (${unreadable} processes not readable)` : ''}`);
  } else {
    evidence.push(`cannot list processes: ${ctx.processes.why}`);
  }
  return checkResult(id, fail ? 'fail' : unknown ? 'unknown' : 'pass', evidence, FIX);
}
