// `edgeward.not-root`: the gateway process runs as an unprivileged user, holding only the
// capabilities capture and enforcement need (CAP_NET_RAW for libpcap, CAP_NET_ADMIN for nftables),
// so a bug in a decoder that reads attacker-controlled bytes does not hand over the box.
import type { CheckContext } from './check-context.js';
import { checkResult, CheckError, type CheckResult } from './check-result.js';
import { capabilityNames, findDaemonPids, processIdentity, userName } from './process-table.js';

const FIX = 'Run edgeward as a dedicated user with only the capabilities it needs: useradd --system edgeward; in its systemd unit ' +
  'User=edgeward, AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN, CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN, NoNewPrivileges=yes; ' +
  'chown -R edgeward /var/lib/edgeward.';

/** Runs the item; throws CheckError when `pid` names no process. */
export function checkNotRoot(ctx: CheckContext): CheckResult {
  const id = 'edgeward.not-root';
  const evidence: string[] = [];
  let pid = process.pid;
  let whose: string;
  const want = ctx.opts.pid;
  if (typeof want === 'number') {
    pid = want;
    whose = `pid ${want}`;
  } else if (want === 'daemon') {
    const found = findDaemonPids();
    if (found.length > 0) {
      pid = found[0]!;
      whose = `the edgeward daemon, pid ${pid}${found.length > 1 ? ` (daemons running: ${found.join(', ')})` : ''}`;
    } else {
      whose = 'this process: no running edgeward daemon found (pass --pid)';
    }
  } else {
    whose = `this process, pid ${pid}`;
  }
  const who = processIdentity(pid);
  if (who === null) {
    if (typeof want === 'number') throw new CheckError('check.pid-unknown', `--pid ${want}: no such process`);
    return checkResult(id, 'unknown', [`cannot read /proc/${pid}/status`], FIX);
  }
  const [ruid, euid] = who.uids;
  const name = (u: number) => `${u}${userName(u) !== null ? ` (${userName(u)})` : ''}`;
  evidence.push(`${whose}: ${who.name} runs as uid ${name(ruid)}, effective uid ${name(euid)}`);
  const caps = capabilityNames(who.capEff);
  evidence.push(`effective capabilities: ${caps.length > 0 ? caps.join(', ') : 'none of cap_net_admin, cap_net_raw, cap_sys_admin'}${who.capEff !== 0n ? ` (CapEff ${who.capEff.toString(16)})` : ''}`);
  const root = ruid === 0 || euid === 0;
  if (!root && caps.includes('cap_sys_admin')) evidence.push('cap_sys_admin is nearly root: drop it from the capability set');
  return checkResult(id, root ? 'fail' : 'pass', evidence, FIX);
}
