// `edgeward bench [FILE]` (also `npm run bench`): packets/s and MB/s of the full pipeline (decode,
// devices, DNS, flows, application parsers) on one core, RSS, and the same file through
// `tcpdump -nr` and `tshark` when they are installed, with the ratios.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PIPELINE_DEFAULTS } from '../sensor/sensor-config.js';
import { replayCapture } from '../replay/replay.js';
import { packageRoot } from '../common/package-root.js';
import type { PolicyPluginOptions } from '../plugins/standard-plugins.js';
import { POLICY_DEFAULTS } from '../policy/policy-config.js';
import { ProfileStore } from '../policy/profile-store.js';
import type { PluginCost } from '../sensor/plugin-bus.js';
import { BENCH_PACKETS, benchCapture } from './bench-corpus.js';
import { noopLike, timeSensor } from './bench-dispatch.js';
import { bestOf } from './bench-runs.js';
import { benchWorkers } from './bench-workers.js';
import { UsageError, type CliIo } from './cli-io.js';

/** Project root: dist/gateway/cli → three levels up. */

interface ToolTime {
  name: string;
  seconds: number;
  ok: boolean;
}

function timeTool(name: string, cmd: string, args: string[]): ToolTime | null {
  const probe = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  if (probe.error) return null;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'], maxBuffer: 0 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { name, seconds, ok: r.status === 0 };
}

export async function runBench(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      packets: { type: 'string' },
      'no-tools': { type: 'boolean' },
      runs: { type: 'string' },
      json: { type: 'boolean' },
      'no-detect': { type: 'boolean' },
      'bind-busiest': { type: 'string' },
      dispatch: { type: 'boolean' },
      workers: { type: 'string' },
    },
  });
  if (positionals.length > 1) throw new UsageError('bench takes at most one capture file');
  const packets = values.packets ? Number(values.packets) : BENCH_PACKETS;
  if (!Number.isInteger(packets) || packets < 1) throw new UsageError('--packets takes a whole number');
  const runs = values.runs ? Number(values.runs) : 3;
  const bindBusiest = values['bind-busiest'] ? Number(values['bind-busiest']) : 0;
  if (!Number.isInteger(bindBusiest) || bindBusiest < 0) throw new UsageError('--bind-busiest takes a whole number');
  const workerCounts = values.workers === undefined ? [] : values.workers.split(',').map(Number);
  if (workerCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new UsageError('--workers takes worker counts from 1 to 64, comma-separated (e.g. 1,2)');
  let file = positionals[0];
  if (file === undefined) {
    file = await benchCapture(packets, io.stderr);
  }
  const size = statSync(file).size;
  // Best of N runs: the first warms the JIT and the page cache. The bare pipeline (decode, devices,
  // DNS, flows, app modules; no plug-in) first, then the sensor as the daemon builds it: every
  // registered detector, the MUD policy with the bundled profiles bound to the busiest devices,
  // the denial recorder and the traffic meter.
  let policy: PolicyPluginOptions | undefined;
  let binds: [string, string][] = [];
  const measure = async (detect: boolean) => {
    const { seconds, value: { summary, sensor } } = await bestOf(runs, detect ? 'with every plug-in' : 'pipeline', io,
      () => replayCapture(file, { config: PIPELINE_DEFAULTS, topFlows: 10, detect: detect ? { policy } : false }));
    return { best: seconds, pkts: summary.packets, flows: summary.flows.total, alerts: summary.alerts.length, costs: sensor.costs(), devices: summary.devices };
  };
  const bare = await measure(false);
  if (!values['no-detect'] || values.dispatch || workerCounts.length > 0) ({ policy, binds } = benchPolicy(bare.devices, bindBusiest));
  // The bus alone: no-op plug-ins with the product's subscriptions (best of the same runs).
  const noop = values.dispatch ? noopLike(PIPELINE_DEFAULTS, { policy }) : null;
  const dispatchSeconds = noop === null ? null : (await timeSensor(file, PIPELINE_DEFAULTS, noop, runs)).seconds;
  const full = values['no-detect'] ? null : await measure(true);
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  const { best, pkts, flows } = bare;
  const pps = pkts / best;
  const result: Record<string, unknown> = {
    file, packets: pkts, bytes: size, flows, seconds: +best.toFixed(3),
    packetsPerSecond: Math.round(pps), megabytesPerSecond: +(size / best / 1e6).toFixed(1), maxRssMiB: +rssMiB.toFixed(1),
  };
  const lines = [
    `edgeward pipeline: ${pkts} packets, ${(size / 1e6).toFixed(1)} MB, ${flows} flows in ${best.toFixed(3)} s (best of ${runs})`,
    `  ${(pps / 1e6).toFixed(3)} M packets/s, ${(size / best / 1e6).toFixed(1)} MB/s, max RSS ${rssMiB.toFixed(0)} MiB`,
  ];
  if (noop !== null && dispatchSeconds !== null) {
    const ns = Math.max(0, (dispatchSeconds - best) / pkts * 1e9);
    result.dispatch = { plugins: noop.length, seconds: +dispatchSeconds.toFixed(3), packetsPerSecond: Math.round(pkts / dispatchSeconds), nsPerPacketOverBare: +ns.toFixed(1) };
    lines.push(`  no-op plug-ins subscribed like the product's ${noop.length}: ${dispatchSeconds.toFixed(3)} s, ${(pkts / dispatchSeconds / 1e6).toFixed(3)} M packets/s (the bus: ${ns.toFixed(0)} ns/packet over bare)`);
  }
  if (full) {
    result.withDetectors = { seconds: +full.best.toFixed(3), packetsPerSecond: Math.round(pkts / full.best), alerts: full.alerts, plugins: full.costs };
    lines.push(`  with every plug-in (MUD policy: ${policy!.store.size - policy!.store.bindingCount} profiles by URL, ${policy!.store.bindingCount} devices bound): ${full.best.toFixed(3)} s, ${(pkts / full.best / 1e6).toFixed(3)} M packets/s, ${full.alerts} alerts`);
    lines.push(...costTable(full.costs, full.best / pkts * 1e9));
  }
  if (workerCounts.length > 0) {
    const w = await benchWorkers(file, workerCounts, runs, binds, pkts, io);
    lines.push(...w.lines);
    result.workers = w.json;
  }
  if (!values['no-tools']) {
    const tools = [
      timeTool('tcpdump -nr', 'tcpdump', ['-nr', file]),
      timeTool('tshark -r', 'tshark', ['-n', '-r', file]),
      timeTool('tshark -z conv,ip', 'tshark', ['-n', '-q', '-r', file, '-z', 'conv,ip']),
    ];
    const comparisons: Record<string, unknown> = {};
    for (const t of tools) {
      if (t === null) continue;
      const ratio = t.seconds / best;
      comparisons[t.name] = { seconds: +t.seconds.toFixed(3), packetsPerSecond: Math.round(pkts / t.seconds), edgewardSpeedup: +ratio.toFixed(2), ok: t.ok };
      lines.push(`  ${t.name.padEnd(18)} ${t.seconds.toFixed(3)} s  ${(pkts / t.seconds / 1e6).toFixed(3)} M packets/s  → edgeward is ${ratio.toFixed(2)}×${t.ok ? '' : '  (tool exited non-zero)'}`);
    }
    if (tools.every((t) => t === null)) lines.push('  (tcpdump and tshark not installed: no comparison)');
    result.comparisons = comparisons;
  }
  io.stdout(values.json ? JSON.stringify(result, null, 2) + '\n' : lines.join('\n') + '\n');
  return 0;
}

/**
 * The bundled profiles, loaded by MUD URL and bound by MAC to the `bind` busiest devices of the
 * capture (`--bind-busiest N`, default 0). Bound to the busiest device of the default capture (the
 * SYN-flood victim) every flow is denied and explained: the cost table shows what that costs.
 */
function benchPolicy(devices: readonly { mac: string; packets: number }[], bind: number): { policy: PolicyPluginOptions; binds: [string, string][] } {
  const dir = join(packageRoot(), 'policies', 'profiles');
  const store = new ProfileStore();
  store.loadDir(dir);
  const busiest = [...devices].sort((a, b) => b.packets - a.packets);
  const files = store.profiles().map((p) => p.file);
  if (bind > 0 && files.length === 0) throw new UsageError(`--bind-busiest: no MUD profiles in ${dir}`);
  const binds: [string, string][] = [];
  for (let i = 0; i < Math.min(bind, busiest.length); i++) binds.push([busiest[i]!.mac, files[i % files.length]!]);
  for (const [mac, f] of binds) store.bind(mac, f);
  return { policy: { config: POLICY_DEFAULTS, store }, binds };
}

/** The per-plug-in table: sampled time per packet, share of the whole sensor's time, state held. */
function costTable(costs: readonly PluginCost[], nsPerPacket: number): string[] {
  const out = [`  ${'plug-in'.padEnd(20)} ${'ns/packet'.padStart(10)} ${'share'.padStart(7)} ${'state'.padStart(9)} ${'~KiB'.padStart(8)}`];
  const sorted = [...costs].sort((a, b) => b.nsPerPacket - a.nsPerPacket);
  let sum = 0;
  for (const c of sorted) {
    sum += c.nsPerPacket;
    out.push(`  ${c.name.padEnd(20)} ${c.nsPerPacket.toFixed(1).padStart(10)} ${((c.nsPerPacket / nsPerPacket) * 100).toFixed(1).padStart(6)}% ${String(c.stateEntries).padStart(9)} ${(c.stateBytes / 1024).toFixed(0).padStart(8)}${c.faults > 0 ? `  faults ${c.faults}${c.enabled ? '' : ' (off)'}` : ''}`);
  }
  out.push(`  ${'all plug-ins'.padEnd(20)} ${sum.toFixed(1).padStart(10)} ${((sum / nsPerPacket) * 100).toFixed(1).padStart(6)}%  (of ${nsPerPacket.toFixed(1)} ns/packet in all)`);
  return out;
}
