// `npm run bench:live` (node dist/gateway/cli/bench-live.js, as root): live capture at line rate.
// For each worker count and each rate: a fresh namespace and veth pair, a fresh daemon capturing on
// the veth (capture.workers = W, the node flags of `npm start`), tcpreplay from inside the namespace
// at that rate, then the daemon's own counters once they stop moving: sent, captured, dropped where,
// the loss, the alerts. Ends with the highest rate each worker count held under 0.1 % loss.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { captureUnavailableReason } from '../capture/pcap-binding.js';
import type { HealthView } from '../server/api-context.js';
import { BENCH_PACKETS, benchCapture } from './bench-corpus.js';
import { processIo, UsageError, type CliIo } from './cli-io.js';
import { DaemonChild } from './daemon-child.js';
import { runTcpreplay, type ReplayRate } from './tcpreplay-run.js';
import { VethPair, vethReplayUnavailable } from './veth-pair.js';

const USAGE = 'usage: node dist/gateway/cli/bench-live.js [--capture FILE] [--rates 50000,100000,200000,400000,top] [--workers 0,1,2] [--packets N] [--json]\n'
  + '  (npm run bench:live -- …; as root; needs ip, tcpreplay and the capture addon; FILE holds Ethernet frames)\n';

const DEFAULT_RATES: ReplayRate[] = [50_000, 100_000, 200_000, 400_000, 'top'];
const DEFAULT_WORKERS = [0, 1, 2];
/** Packets per run unless --packets says otherwise. */
const DEFAULT_PACKETS = 1_000_000;
/** A paced run lasts at most this long: its packets are cut to rate × this, seconds. */
const MAX_RUN_SECONDS = 30;
/** A rate counts as held when less than this share was lost, %. */
const HELD_LOSS_PERCENT = 0.1;
/** The counters count as settled once unchanged this long, ms. */
const SETTLE_MS = 2_000;
/** Longest wait for the daemon to work off what it buffered, ms. */
const SETTLE_TIMEOUT_MS = 300_000;
const POLL_MS = 250;
/** The node flags of `npm start`, so the daemon is measured as it runs in production. */
const DAEMON_NODE_ARGS = ['--max-semi-space-size=32', '--max-old-space-size=384'];

/** One run: one worker count at one rate. */
export interface LiveBenchRow {
  workers: number;
  /** The rate asked of tcpreplay, packets/s, or 'top'. */
  rate: ReplayRate;
  /** The rate tcpreplay reports it achieved, packets/s. */
  achievedPps: number;
  /** tcpreplay's first to last frame, seconds. */
  seconds: number;
  /** Frames the sending veth took ("Successful packets"). */
  sent: number;
  /** Frames tcpreplay could not send. */
  failed: number;
  received: number;
  captured: number;
  kernelDropped: number;
  ifDropped: number;
  ringDropped: number;
  /** sent − received − ifDropped: lost before libpcap saw them (the receiving CPU's backlog was full). */
  unseen: number;
  /** (sent − captured) / sent, %. */
  lossPercent: number;
  /** Packets the daemon's pipeline counted (health `packets`). */
  processed: number;
  /** How long after tcpreplay ended the pipeline still counted packets (it was behind), seconds (±0.25). */
  lagSeconds: number;
  /** Alerts stored (every rule), and `sensor.capture-loss` alone. */
  alerts: number;
  lossAlerts: number;
}

/** What one run needs besides its worker count and rate. */
interface RunContext {
  cli: string;
  capture: string;
  packets: number;
  signal: AbortSignal;
  log: (s: string) => void;
  /** What is live now, for the SIGINT handler. */
  live: { pair: VethPair | null; daemon: DaemonChild | null; dir: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseRates(s: string): ReplayRate[] {
  return s.split(',').map((x) => {
    const t = x.trim();
    if (t === 'top') return 'top';
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--rates takes packets/s or "top", comma-separated (got "${t}")`);
    return n;
  });
}

function parseWorkers(s: string): number[] {
  return s.split(',').map((x) => {
    const n = Number(x.trim());
    if (!Number.isInteger(n) || n < 0 || n > 64) throw new UsageError(`--workers takes worker counts from 0 to 64, comma-separated (got "${x}")`);
    return n;
  });
}

/** The daemon's config: capture on the veth, nothing else listening or sending (no demo, syslog, InfluxDB, fetching). */
function daemonConfig(iface: string, workers: number, dataDir: string): Record<string, unknown> {
  return {
    capture: { interface: iface, workers },
    storage: { dataDir },
    server: { port: 0 },
    demo: { enabled: false },
    edgeLogs: { udp: false, tcp: false },
    metrics: { influxUrl: '' },
    fetch: { enabled: false },
  };
}

async function untilCaptureOpen(d: DaemonChild): Promise<void> {
  const end = Date.now() + 15_000;
  while ((await d.health()).capture === null) {
    if (d.exited || Date.now() > end) throw new Error(`the daemon's capture did not open: ${d.stderr.trim().slice(-600)}`);
    await sleep(100);
  }
}

/**
 * Polls health until the capture's counters and the pipeline's packet count have not moved for
 * {@link SETTLE_MS}. Returns the last health and when the packet count last moved (ms, Date.now()).
 */
async function settle(d: DaemonChild): Promise<{ health: HealthView; lastMoveMs: number }> {
  const end = Date.now() + SETTLE_TIMEOUT_MS;
  let key = '';
  let lastKeyMs = Date.now();
  let packets = -1;
  let lastMoveMs = Date.now();
  for (;;) {
    const h = await d.health();
    const c = h.capture;
    const now = Date.now();
    const k = c === null ? 'closed' : `${c.received}/${c.captured}/${c.kernelDropped}/${c.ringDropped}/${h.packets}`;
    if (k !== key) { key = k; lastKeyMs = now; }
    if (h.packets !== packets) { packets = h.packets; lastMoveMs = now; }
    if (now - lastKeyMs >= SETTLE_MS) return { health: h, lastMoveMs };
    if (d.exited) throw new Error(`the daemon exited: ${d.stderr.trim().slice(-600)}`);
    if (now > end) throw new Error(`the daemon's counters were still moving after ${SETTLE_TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

/** One worker count at one rate, from a fresh pair and daemon; both are gone when it returns. */
async function runOne(ctx: RunContext, workers: number, rate: ReplayRate): Promise<LiveBenchRow> {
  const pair = new VethPair('ewb');
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-bench-live-'));
  ctx.live.pair = pair;
  ctx.live.dir = dir;
  try {
    pair.create();
    const d = await DaemonChild.start({ cli: ctx.cli, nodeArgs: DAEMON_NODE_ARGS, config: daemonConfig(pair.host, workers, join(dir, 'data')), dir, startTimeoutMs: 30_000 });
    ctx.live.daemon = d;
    await untilCaptureOpen(d);
    const packets = rate === 'top' ? ctx.packets : Math.min(ctx.packets, rate * MAX_RUN_SECONDS);
    // Preloading takes a few seconds; the floor of 20,000 packets/s bounds a top-speed run.
    const timeoutMs = 60_000 + (packets / (rate === 'top' ? 20_000 : rate)) * 1500;
    ctx.log(`workers ${workers}, ${rate === 'top' ? 'top speed' : `${rate} packets/s`}: ${packets} packets on ${pair.host}…\n`);
    const sent = await runTcpreplay({ ns: pair.ns, iface: pair.peer, file: ctx.capture, rate, packets, timeoutMs, signal: ctx.signal });
    const replayEndMs = Date.now();
    const { health, lastMoveMs } = await settle(d);
    const c = health.capture;
    if (c === null) throw new Error('the daemon reports no capture');
    const lossAlerts = (await d.get<{ total: number }>('/api/v1/alerts?rule=sensor.capture-loss&limit=1')).total;
    return {
      workers, rate, achievedPps: Math.round(sent.pps), seconds: sent.seconds, sent: sent.sent, failed: sent.failed,
      received: c.received, captured: c.captured, kernelDropped: c.kernelDropped, ifDropped: c.ifDropped, ringDropped: c.ringDropped,
      unseen: Math.max(0, sent.sent - c.received - c.ifDropped),
      lossPercent: sent.sent > 0 ? Math.max(0, Math.round(((sent.sent - c.captured) / sent.sent) * 1e5) / 1e3) : 0,
      processed: health.packets, lagSeconds: Math.max(0, Math.round((lastMoveMs - replayEndMs) / 100) / 10),
      alerts: health.alerts, lossAlerts,
    };
  } finally {
    await ctx.live.daemon?.stop();
    ctx.live.daemon = null;
    pair.destroy();
    ctx.live.pair = null;
    rmSync(dir, { recursive: true, force: true });
  }
}

const COLUMNS: [string, number, (r: LiveBenchRow) => string][] = [
  ['workers', 7, (r) => String(r.workers)],
  ['rate', 7, (r) => String(r.rate)],
  ['achieved', 9, (r) => String(r.achievedPps)],
  ['s', 6, (r) => r.seconds.toFixed(2)],
  ['sent', 8, (r) => String(r.sent)],
  ['captured', 8, (r) => String(r.captured)],
  ['kernel-drop', 11, (r) => String(r.kernelDropped)],
  ['ring-drop', 9, (r) => String(r.ringDropped)],
  ['unseen', 6, (r) => String(r.unseen)],
  ['loss %', 7, (r) => r.lossPercent.toFixed(3)],
  ['processed', 9, (r) => String(r.processed)],
  ['lag s', 5, (r) => r.lagSeconds.toFixed(1)],
  ['alerts', 6, (r) => String(r.alerts)],
  ['loss-alerts', 11, (r) => String(r.lossAlerts)],
];

/** The results as a fixed-width table. */
export function liveBenchTable(rows: LiveBenchRow[]): string {
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(COLUMNS[i]![1])).join('  ') + '\n';
  return line(COLUMNS.map(([h]) => h)) + rows.map((r) => line(COLUMNS.map(([, , f]) => f(r)))).join('');
}

/** Per worker count, the run of the highest achieved rate with loss under {@link HELD_LOSS_PERCENT}, or null. */
export function heldRates(rows: LiveBenchRow[]): { workers: number; held: LiveBenchRow | null }[] {
  const counts = [...new Set(rows.map((r) => r.workers))];
  return counts.map((workers) => {
    const ok = rows.filter((r) => r.workers === workers && r.lossPercent < HELD_LOSS_PERCENT);
    return { workers, held: ok.reduce<LiveBenchRow | null>((best, r) => (best === null || r.achievedPps > best.achievedPps ? r : best), null) };
  });
}

function heldText(rows: LiveBenchRow[]): string {
  return heldRates(rows).map(({ workers, held }) => held === null
    ? `workers ${workers}: no rate held under ${HELD_LOSS_PERCENT} % loss\n`
    : `workers ${workers}: held ${held.achievedPps} packets/s (asked ${held.rate}) with ${held.lossPercent} % loss`
      + `${held.lagSeconds > 0.5 ? `, but the pipeline finished ${held.lagSeconds} s after the sender: buffers absorbed a burst it could not sustain` : ''}\n`).join('');
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv, strict: true,
    options: { capture: { type: 'string' }, rates: { type: 'string' }, workers: { type: 'string' }, packets: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
  }).values;
}

export async function benchLiveMain(argv: string[], io: CliIo): Promise<number> {
  let rates: ReplayRate[], workerCounts: number[], packets: number;
  let values: ReturnType<typeof parseOptions>;
  try {
    values = parseOptions(argv);
    if (values.help) {
      io.stdout(USAGE);
      return 0;
    }
    rates = values.rates === undefined ? DEFAULT_RATES : parseRates(values.rates);
    workerCounts = values.workers === undefined ? DEFAULT_WORKERS : parseWorkers(values.workers);
    packets = values.packets === undefined ? DEFAULT_PACKETS : Number(values.packets);
    if (!Number.isInteger(packets) || packets < 1) throw new UsageError('--packets takes a whole number');
  } catch (e) {
    io.stderr(`bench-live: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const missing = vethReplayUnavailable() ?? captureUnavailableReason();
  if (missing !== null) {
    io.stderr(`bench-live: cannot run: ${missing}\n`);
    return 1;
  }
  const capture = values.capture === undefined ? await benchCapture(BENCH_PACKETS, io.stderr) : resolve(values.capture);

  const ac = new AbortController();
  const ctx: RunContext = {
    cli: join(dirname(fileURLToPath(import.meta.url)), 'main.js'), capture, packets, signal: ac.signal, log: io.stderr,
    live: { pair: null, daemon: null, dir: '' },
  };
  // Ctrl-C: tcpreplay and the daemon go, and so do the namespace, the veth pair and the data directory.
  const onSignal = (sig: NodeJS.Signals) => {
    io.stderr(`bench-live: ${sig}: cleaning up\n`);
    ac.abort();
    void (async () => {
      await ctx.live.daemon?.stop(3_000);
      ctx.live.pair?.destroy();
      if (ctx.live.dir) rmSync(ctx.live.dir, { recursive: true, force: true });
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const rows: LiveBenchRow[] = [];
  try {
    io.stderr(`bench-live: ${capture}, ${packets} packets a run (at most rate × ${MAX_RUN_SECONDS} s), workers ${workerCounts.join(',')}, rates ${rates.join(',')}\n`);
    for (const w of workerCounts) for (const r of rates) rows.push(await runOne(ctx, w, r));
  } catch (e) {
    if (ac.signal.aborted) return 130;
    io.stderr(`bench-live: ${(e as Error).message}\n`);
    if (rows.length > 0) io.stderr(liveBenchTable(rows));
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const text = `${liveBenchTable(rows)}\n${heldText(rows)}`;
  if (values.json) {
    io.stdout(JSON.stringify({ capture, packets, heldLossPercent: HELD_LOSS_PERCENT, rows, held: heldRates(rows) }, null, 2) + '\n');
    io.stderr(text);
  } else io.stdout(text);
  return 0;
}

// Run only when executed, not when imported by a test.
const entry = process.argv[1] !== undefined ? realpathSync(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) {
  benchLiveMain(process.argv.slice(2), processIo).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => { process.stderr.write(`bench-live: internal error: ${(e as Error).stack ?? String(e)}\n`); process.exitCode = 70; },
  );
}
