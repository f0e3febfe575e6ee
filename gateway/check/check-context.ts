// The evidence every checklist item reads, gathered once per run: where the probes look, the WAN
// and LAN interfaces, the nftables ruleset, the listening sockets and the namespace's processes.
import type { PluginConfig as DetectConfig } from '../sensor/plugin.js';
import { CheckError } from './check-result.js';
import { defaultRouteInterface, interfaceInfo, type InterfaceInfo } from './network-interfaces.js';
import { parseNftRuleset, type NftRuleset } from './nft-ruleset.js';
import { processesInNetns, type ProcessEntry } from './process-table.js';
import { probeFailure, ProbeRunner } from './probe-runner.js';
import { parseSsListeners, type Listener } from './socket-listeners.js';

/** What `runChecks` looks at. Every field is optional. */
export interface CheckOptions {
  /** WAN interface. Default: the interface of the default route where the probes look. */
  wan?: string;
  /** LAN interface (the daemon's `capture.interface`). Default: none (NAT is checked for any source). */
  lan?: string;
  /** Run the probes inside this named network namespace (`ip netns exec`). Default: the current one. */
  netns?: string;
  /** The gateway configuration, for edgeward's DNS blocklists (`detect.intel`). Default: not looked at. */
  config?: { readonly detect: DetectConfig };
  /**
   * Whose user `edgeward.not-root` checks: a pid, `daemon` (a running `edgeward start`, else this
   * process), or this process. Default: this process (right when the daemon itself runs the check).
   */
  pid?: number | 'daemon';
  /** TCP ports of remote administration. Default {@link ADMIN_PORTS}. */
  adminPorts?: readonly number[];
  /** Prefix of the resolver configuration paths read (tests). Default '/'. */
  fsRoot?: string;
  /** Deadline of each probe command, milliseconds. Default 5000. */
  timeoutMs?: number;
}

/** Telnet (23, 2323: Mirai), SSH, HTTP and HTTPS admin pages. */
export const ADMIN_PORTS: readonly number[] = Object.freeze([22, 23, 2323, 80, 443, 8080]);

/** A probe's result or why there is none. */
export type Gathered<T> = { ok: true; value: T } | { ok: false; why: string };

/** Everything the items read. */
export interface CheckContext {
  opts: CheckOptions;
  probe: ProbeRunner;
  /** The WAN interface, or why it is not known. */
  wan: InterfaceInfo;
  /** True when the WAN came from the default route rather than `--wan`. */
  wanFromRoute: boolean;
  lan: InterfaceInfo | null;
  ruleset: Gathered<NftRuleset>;
  listeners: Gathered<Listener[]>;
  processes: Gathered<{ list: ProcessEntry[]; unreadable: number }>;
}

async function readRuleset(probe: ProbeRunner): Promise<Gathered<NftRuleset>> {
  const [json, text] = await Promise.all([probe.run('nft', ['-j', 'list', 'ruleset']), probe.run('nft', ['-a', 'list', 'ruleset'])]);
  if (json.status !== 0) return { ok: false, why: probeFailure('nft -j list ruleset', json) };
  try {
    return { ok: true, value: parseNftRuleset(json.stdout, text.status === 0 ? text.stdout : '') };
  } catch (e) {
    return { ok: false, why: `nft -j list ruleset: ${(e as Error).message}` };
  }
}

async function readListeners(probe: ProbeRunner): Promise<Gathered<Listener[]>> {
  const out = await probe.run('ss', ['-H', '-l', '-t', '-u', '-n', '-p']);
  if (out.status !== 0) return { ok: false, why: probeFailure('ss -H -ltunp', out) };
  return { ok: true, value: parseSsListeners(out.stdout) };
}

/** Gathers the evidence; throws CheckError for a namespace or an interface named but not there. */
export async function gatherContext(opts: CheckOptions): Promise<CheckContext> {
  const probe = new ProbeRunner(opts.netns, opts.fsRoot ?? '/', opts.timeoutMs);
  let wanFromRoute = false;
  let wanName: string | { why: string };
  if (opts.wan !== undefined) wanName = opts.wan;
  else {
    const r = await defaultRouteInterface(probe);
    wanName = 'name' in r ? r.name : r;
    wanFromRoute = 'name' in r;
  }
  const [wan, lan, ruleset, listeners] = await Promise.all([
    typeof wanName === 'string' ? interfaceInfo(probe, wanName) : Promise.resolve<InterfaceInfo>({ ok: false, name: '', why: `WAN interface unknown: ${wanName.why} (give --wan)` }),
    opts.lan !== undefined ? interfaceInfo(probe, opts.lan) : Promise.resolve(null),
    readRuleset(probe),
    readListeners(probe),
  ]);
  for (const [flag, i] of [['--wan', opts.wan !== undefined ? wan : null], ['--lan', lan]] as const) {
    if (i !== null && !i.ok && /^no interface/.test(i.why)) throw new CheckError('check.interface-unknown', `${flag} ${i.name}: ${i.why}`);
  }
  const ino = probe.netnsInode();
  const processes: Gathered<{ list: ProcessEntry[]; unreadable: number }> = ino === null
    ? { ok: false, why: `cannot read the inode of ${probe.where}` }
    : (() => { const r = processesInNetns(ino); return { ok: true, value: { list: r.processes, unreadable: r.unreadable } }; })();
  return { opts, probe, wan, wanFromRoute, lan, ruleset, listeners, processes };
}
