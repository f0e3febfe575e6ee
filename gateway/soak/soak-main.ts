// `npm run soak -- --minutes N`: pushes the synthetic LAN through the full pipeline at a fixed rate,
// prints a line of memory, table sizes and event-loop lag every minute, and exits 1 unless memory
// levels off (last RSS within 10 % of minute 3) and the rate held (within 5 %).
// Run with `node --max-semi-space-size=32 --max-old-space-size=384 dist/gateway/soak/soak-main.js`, the daemon's node flags.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pipelineConfig } from '../sensor/sensor-config.js';
import { DETECTORS } from '../detect/registry.js';
import { soakHeader, sampleLine, soakSummary, tableHeader } from './soak-report.js';
import { resolveSoakOptions, runSoak, type SoakOptions } from './soak-run.js';

const USAGE = `usage: soak-main.js --minutes N [--rate PPS] [--devices N] [--joins PER_S] [--max-devices N]
                    [--interval SECONDS] [--seed N] [--timeout-scale K] [--gc] [--json]
  --minutes N       length of the run (default 10); --seconds N for a shorter one
  --rate PPS        packets a second (default 50000)
  --devices N       devices on the LAN at once (default 2000)
  --joins PER_S     devices joining with a new MAC a second, each replacing one (default devices/20)
  --max-devices N   device inventory cap (default the pipeline's, 8192)
  --interval S      seconds between samples (default 60)
  --seed N          traffic seed (default 1)
  --timeout-scale K flow idle timeouts (UDP, other, TCP closed) times K: with 3 the flow table
                    fills to its 131,072 cap and holds there (default 1)
  --gc              a full GC before each sample, to show the live heap (run node with --expose-gc;
                    the extra collections change the RSS figures, so judge memory without it)
  --json            the series and verdicts as JSON on stdout (the table goes to stderr)
`;

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new RangeError(`--${name} takes a number`);
  return n;
}

/** Runs the soak from command-line arguments; returns the exit code. */
export async function soakMain(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let opts: SoakOptions;
  let json: boolean;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        minutes: { type: 'string' }, seconds: { type: 'string' }, rate: { type: 'string' }, devices: { type: 'string' },
        joins: { type: 'string' }, 'max-devices': { type: 'string' }, interval: { type: 'string' }, seed: { type: 'string' },
        'timeout-scale': { type: 'string' },
        gc: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) { out(USAGE); return 0; }
    json = values.json === true;
    const minutes = num(values.minutes, 'minutes');
    const seconds = num(values.seconds, 'seconds') ?? (minutes ?? 10) * 60;
    opts = {
      seconds, rate: num(values.rate, 'rate'), devices: num(values.devices, 'devices'), joinsPerSecond: num(values.joins, 'joins'),
      maxDevices: num(values['max-devices'], 'max-devices'), intervalSeconds: num(values.interval, 'interval'), seed: num(values.seed, 'seed'),
      gcBeforeSample: values.gc === true,
    };
    const scale = num(values['timeout-scale'], 'timeout-scale');
    if (scale !== undefined) {
      if (!(scale > 0)) throw new RangeError('--timeout-scale takes a number > 0');
      const f = pipelineConfig().flows;
      opts.pipeline = { flows: { udpTimeout: f.udpTimeout * scale, otherTimeout: f.otherTimeout * scale, tcpClosedTimeout: f.tcpClosedTimeout * scale } };
    }
    resolveSoakOptions(opts);
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  // With --json stdout carries only the JSON document; the live table goes to stderr.
  const table = json ? err : out;
  const enabled = DETECTORS.filter((d) => opts.detect?.[d.name]?.enabled !== false).length;
  table(soakHeader(resolveSoakOptions(opts), enabled));
  table(tableHeader());
  const result = await runSoak({ ...opts, onSample: (s) => table(sampleLine(s)) });
  if (json) {
    out(JSON.stringify(result, null, 2) + '\n');
    err(soakSummary(result));
  } else out(soakSummary(result));
  return result.verdict.ok ? 0 : 1;
}

// Run only when executed, not when imported by a test.
const entry = process.argv[1] !== undefined ? realpathSync(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) {
  soakMain(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s)).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => { process.stderr.write(`soak: internal error: ${(e as Error).stack ?? String(e)}\n`); process.exitCode = 70; },
  );
}
