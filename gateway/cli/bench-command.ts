// `edgeward bench [FILE]` (also `npm run bench`): packets/s and MB/s of the full pipeline (decode,
// devices, DNS, flows, application parsers) on one core, RSS, and the same file through
// `tcpdump -nr` and `tshark` when they are installed, with the ratios.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PIPELINE_DEFAULTS } from '../config/pipeline-config.js';
import { replayCapture } from '../pipeline/replay.js';
import { ensureBenchCapture } from './bench-corpus.js';
import { UsageError, type CliIo } from './cli-io.js';

/** Project root: dist/gateway/cli → three levels up. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DEFAULT_PACKETS = 2_000_000;

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
    },
  });
  if (positionals.length > 1) throw new UsageError('bench takes at most one capture file');
  const packets = values.packets ? Number(values.packets) : DEFAULT_PACKETS;
  if (!Number.isInteger(packets) || packets < 1) throw new UsageError('--packets takes a whole number');
  const runs = values.runs ? Number(values.runs) : 3;
  let file = positionals[0];
  if (file === undefined) {
    const fixtures = resolve(ROOT, '../shared/fixtures');
    file = await ensureBenchCapture(join(ROOT, '.cache/bench', `bench-${packets}.pcap`), [join(fixtures, 'pcap'), join(fixtures, 'mud-pairs')], packets, io.stderr);
  }
  const size = statSync(file).size;
  // Best of N runs: the first warms the JIT and the page cache. The bare pipeline (decode, devices,
  // DNS, flows, app parsers) first, then the same with every registered detector and the alerts.
  const measure = async (detect: boolean) => {
    let best = Infinity, pkts = 0, flows = 0, alerts = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const { summary } = await replayCapture(file!, { config: PIPELINE_DEFAULTS, topFlows: 10, detect: detect ? {} : false });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      pkts = summary.packets; flows = summary.flows.total; alerts = summary.alerts.length;
      if (secs < best) best = secs;
      io.stderr(`${detect ? 'with detectors' : 'pipeline'} run ${i + 1}: ${secs.toFixed(3)} s\n`);
    }
    return { best, pkts, flows, alerts };
  };
  const bare = await measure(false);
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
  if (full) {
    result.withDetectors = { seconds: +full.best.toFixed(3), packetsPerSecond: Math.round(pkts / full.best), alerts: full.alerts };
    lines.push(`  with every detector: ${full.best.toFixed(3)} s, ${(pkts / full.best / 1e6).toFixed(3)} M packets/s, ${full.alerts} alerts`);
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
