// The kernel's neighbour table (`ip -j neigh show`, iproute2's JSON) as MAC → addresses: where the
// audit finds a consenting device's address when the gateway's device table has none (a device
// that has not sent a frame since the daemon's last save, or a CLI run with no daemon at all).
import { execFile } from 'node:child_process';
import { macToString, parseMac } from '../../common/address-text.js';
import { planTargets, type AuditScope, type AuditTarget } from './audit-targets.js';

/** Deadline of the `ip` command, ms. */
const IP_TIMEOUT_MS = 3000;
/** Output read at most, bytes (a gateway's table of a few thousand neighbours fits). */
const MAX_OUTPUT = 4 * 1024 * 1024;

/** One entry of `ip -j neigh show`. */
interface NeighEntry {
  dst?: unknown;
  lladdr?: unknown;
  state?: unknown;
}

/** States whose address is not (or no longer) the MAC's: kernel NUD_FAILED, NUD_INCOMPLETE. */
const DEAD = new Set(['FAILED', 'INCOMPLETE']);

/** MAC → addresses of the neighbour table's JSON text; entries it cannot read are skipped. */
export function parseNeighbours(json: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return out;
  }
  if (!Array.isArray(list)) return out;
  for (const e of list as NeighEntry[]) {
    if (typeof e?.dst !== 'string' || typeof e.lladdr !== 'string') continue;
    if (Array.isArray(e.state) && e.state.some((s) => typeof s === 'string' && DEAD.has(s))) continue;
    const n = parseMac(e.lladdr);
    if (n < 0) continue;
    const mac = macToString(n);
    const l = out.get(mac);
    if (l === undefined) out.set(mac, [e.dst]);
    else if (!l.includes(e.dst)) l.push(e.dst);
  }
  return out;
}

/** The neighbour table now; empty when `ip` is missing or fails (the device table is then all there is). */
export function readNeighbours(): Promise<Map<string, string[]>> {
  return new Promise((resolve) => {
    execFile('ip', ['-j', 'neigh', 'show'], { timeout: IP_TIMEOUT_MS, maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (err, stdout) => {
      resolve(err ? new Map() : parseNeighbours(stdout));
    });
  });
}

/**
 * The targets of `macs` (planTargets): each at an address the device table knows (`known`), else
 * one the neighbour table has for it — read only when some consenting device needs it.
 */
export async function targetsWithNeighbours(scope: AuditScope, macs: readonly string[], known: (mac: string) => readonly string[]): Promise<AuditTarget[]> {
  const need = macs.some((m) => scope.consent.has(m) && known(m).length === 0);
  const neighbours = need ? await readNeighbours() : new Map<string, string[]>();
  return planTargets(scope, macs, (m) => {
    const k = known(m);
    return k.length > 0 ? k : neighbours.get(m) ?? [];
  });
}
