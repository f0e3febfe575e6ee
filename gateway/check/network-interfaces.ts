// The WAN and LAN sides of the box as the check sees them: the interface of the default route
// (`ip -j route show default`) and each interface's addresses (`ip -j addr show dev NAME`).
import type { ProbeRunner } from './probe-runner.js';
import { probeFailure } from './probe-runner.js';

/** One address of an interface. */
export interface InterfaceAddress {
  family: 4 | 6;
  address: string;
  prefixLength: number;
  /** `global`, `link`, `host`… as ip prints it. */
  scope: string;
}

/** An interface found, or why it was not. */
export type InterfaceInfo =
  | { ok: true; name: string; addresses: InterfaceAddress[]; up: boolean }
  | { ok: false; name: string; why: string };

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The interface of the first default route (IPv4, then IPv6), or why there is none. */
export async function defaultRouteInterface(probe: ProbeRunner): Promise<{ name: string } | { why: string }> {
  for (const fam of ['-4', '-6']) {
    const out = await probe.run('ip', [fam, '-j', 'route', 'show', 'default']);
    if (out.status !== 0) return { why: probeFailure(`ip ${fam} route`, out) };
    try {
      const routes: unknown = JSON.parse(out.stdout || '[]');
      if (Array.isArray(routes)) {
        for (const r of routes) if (isObj(r) && typeof r.dev === 'string') return { name: r.dev };
      }
    } catch {
      return { why: `ip ${fam} -j route: output is not JSON` };
    }
  }
  return { why: `no default route in ${probe.where}` };
}

/** An interface's state and addresses. */
export async function interfaceInfo(probe: ProbeRunner, name: string): Promise<InterfaceInfo> {
  const out = await probe.run('ip', ['-j', 'addr', 'show', 'dev', name]);
  if (out.status !== 0) {
    if (/does not exist|Cannot find device/i.test(out.stderr)) return { ok: false, name, why: `no interface ${name} in ${probe.where}` };
    return { ok: false, name, why: probeFailure('ip addr', out) };
  }
  try {
    const links: unknown = JSON.parse(out.stdout || '[]');
    const link: unknown = Array.isArray(links) ? links.find((l) => isObj(l) && l.ifname === name) : undefined;
    if (!isObj(link)) return { ok: false, name, why: `no interface ${name} in ${probe.where}` };
    const addresses: InterfaceAddress[] = [];
    for (const a of Array.isArray(link.addr_info) ? link.addr_info : []) {
      if (!isObj(a) || typeof a.local !== 'string') continue;
      addresses.push({ family: a.family === 'inet6' ? 6 : 4, address: a.local, prefixLength: Number(a.prefixlen), scope: typeof a.scope === 'string' ? a.scope : 'global' });
    }
    const flags = Array.isArray(link.flags) ? link.flags : [];
    return { ok: true, name, addresses, up: flags.includes('UP') };
  } catch {
    return { ok: false, name, why: 'ip -j addr: output is not JSON' };
  }
}

/** `gww (10.77.2.1/24)`: an interface as the evidence names it. */
export function describeInterface(i: InterfaceInfo): string {
  if (!i.ok) return i.name;
  const addrs = i.addresses.filter((a) => a.scope === 'global').map((a) => `${a.address}/${a.prefixLength}`);
  return addrs.length > 0 ? `${i.name} (${addrs.join(', ')})` : `${i.name} (no global address)`;
}
