// `edgeward replay FILE`: a capture through the whole pipeline; the JSON summary on stdout with
// --json, a short text report otherwise; progress on stderr when it is a terminal.
import { parseArgs } from 'node:util';
import { GATEWAY_DEFAULTS } from '../config/load-config.js';
import { loadConfigFile } from '../plugins/gateway-config.js';
import { pipelineConfig } from '../sensor/sensor-config.js';
import type { IntelDetector } from '../detect/detectors/intel-blocklist.js';
import { replayCapture } from '../replay/replay.js';
import { replayCaptureWorkers } from '../replay/worker-replay.js';
import type { PolicyConfig } from '../policy/policy-config.js';
import { ProfileStore } from '../policy/profile-store.js';
import type { ReplaySummary } from '../replay/summary.js';
import type { CliIo } from './cli-io.js';
import { UsageError } from './cli-io.js';
import { Progress } from './progress.js';

export async function runReplay(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      profiles: { type: 'string' },
      bind: { type: 'string', multiple: true },
      intel: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      eve: { type: 'string' },
      'no-progress': { type: 'boolean' },
      'max-flows': { type: 'string' },
      'top-flows': { type: 'string' },
      db: { type: 'string' },
      workers: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('replay takes one capture file');
  const gw = values.config ? loadConfigFile(values.config) : GATEWAY_DEFAULTS;
  let config = gw.pipeline;
  if (values['max-flows'] !== undefined) {
    const n = Number(values['max-flows']);
    if (!Number.isInteger(n) || n < 1) throw new UsageError('--max-flows takes a whole number of at least 1');
    config = pipelineConfig({ ...config, flows: { ...config.flows, maxFlows: n } });
  }
  let topFlows = 100;
  if (values['top-flows'] !== undefined) {
    topFlows = Number(values['top-flows']);
    if (!Number.isInteger(topFlows) || topFlows < 0) throw new UsageError('--top-flows takes a whole number');
  }
  const file = positionals[0]!;
  // MUD profiles: the config's policy section, plus --profiles DIR and --bind MAC=FILE.
  let policy: { config: PolicyConfig; store: ProfileStore } | undefined;
  const binds = [...Object.entries(gw.policy.bindings), ...(values.bind ?? []).map((b) => {
    const eq = b.indexOf('=');
    if (eq < 0) throw new UsageError(`--bind takes MAC=MUDFILE, not ${b}`);
    return [b.slice(0, eq), b.slice(eq + 1)] as [string, string];
  })];
  const profilesDir = values.profiles ?? gw.policy.profilesDir;
  if (binds.length > 0 || profilesDir) {
    const store = new ProfileStore();
    if (profilesDir) store.loadDir(profilesDir);
    for (const [mac, f] of binds) {
      try {
        store.bind(mac, f);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    for (const r of store.refused) io.stderr(`edgeward: refused MUD file ${r.file}:\n  ${r.errors.join('\n  ')}\n`);
    policy = { config: gw.policy, store };
  }
  const detect = values.intel ? { ...gw.detect, intel: { ...gw.detect.intel, lists: values.intel } } : gw.detect;
  if (values.workers !== undefined) {
    const workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError('--workers takes a whole number from 1 to 64');
    // The same sensor over worker threads (README "Workers"): each loads the profiles itself.
    const started = process.hrtime.bigint();
    const { summary } = await replayCaptureWorkers(file, {
      workers, config, topFlows, bare: false, detect, alerts: gw.alerts, learn: null, dbPath: values.db, evePath: values.eve,
      policy: policy === undefined ? null : { config: gw.policy, profilesDir: profilesDir || undefined, binds },
    });
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    io.stdout(values.json ? JSON.stringify(summary, null, 2) + '\n' : textReport(summary, secs));
    for (const w of summary.capture.warnings) io.stderr(`warning: ${file}: ${w}\n`);
    return 0;
  }
  const progress = new Progress(undefined, !values['no-progress'] && io.stderrIsTTY);
  const started = process.hrtime.bigint();
  const { summary, sensor } = await replayCapture(file, {
    config,
    topFlows,
    detect: {
      evePath: values.eve, dbPath: values.db, alerts: gw.alerts, policy,
      config: detect,
    },
    onProgress: (_bytes, packets) => progress.update(_bytes, packets),
  });
  progress.end();
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  if (values.json) io.stdout(JSON.stringify(summary, null, 2) + '\n');
  else io.stdout(textReport(summary, secs));
  for (const w of summary.capture.warnings) io.stderr(`warning: ${file}: ${w}\n`);
  // What each intel list held: an operator must see that a list was read and which lines were not.
  const intel = sensor.plugin<IntelDetector>('intel');
  for (const st of intel?.status() ?? []) {
    io.stderr(`intel: ${st.file}: ${st.addresses} addresses, ${st.networks} networks, ${st.domains} domains${st.invalid ? `, ${st.invalid} invalid lines (${st.invalidLines.join(', ')})` : ''}${st.error ? `, reload failed: ${st.error}` : ''}\n`);
  }
  return 0;
}

/**
 * Who an alert is between, for the text report: "src -> dst:port" when it has both ends; alerts
 * about a device or the sensor (device.new, edge.error, storm.reconnect, sensor.fault) have an empty
 * end or none, so they show the end they have, else the device, else "-" — never a bare arrow.
 */
export function alertPeers(a: Pick<ReplaySummary['alerts'][number], 'src' | 'dst' | 'dport' | 'device'>): string {
  const dst = a.dst !== '' ? `${a.dst}${a.dport !== null ? `:${a.dport}` : ''}` : '';
  if (a.src !== '' && dst !== '') return `${a.src} -> ${dst}`;
  if (a.src !== '') return a.src;
  if (dst !== '') return `-> ${dst}`;
  return a.device ?? '-';
}

function textReport(s: ReplaySummary, secs: number): string {
  const lines = [
    `${s.capture.file}: ${s.packets} packets, ${s.bytes} bytes, ${s.firstTs ?? '-'} .. ${s.lastTs ?? '-'} (${secs.toFixed(2)} s)`,
    `decode errors: ${s.decodeErrors}${Object.keys(s.decodeEvents).length ? '  ' + JSON.stringify(s.decodeEvents) : ''}`,
    ...(Object.keys(s.events).length ? [`events: ${JSON.stringify(s.events)}`] : []),
    `flows: ${s.flows.total} (tcp ${s.flows.tcp}, udp ${s.flows.udp}, icmp ${s.flows.icmp}, other ${s.flows.other}), evicted ${s.flows.evicted}`,
    `devices: ${s.devices.length}`,
    ...s.devices.map((d) => `  ${d.mac}  ${d.ips.join(',') || '-'}  ${d.vendor ?? '-'}  ${d.hostname ?? '-'}${d.mudUrl ? '  mud=' + d.mudUrl : ''}`),
    `alerts: ${s.alerts.length}`,
    ...s.alerts.map((a) => `  ${a.firstTs}  ${a.severity.padEnd(8)} ${a.rule.padEnd(24)} ${alertPeers(a)}  x${a.count}  ${a.message}`),
  ];
  return lines.join('\n') + '\n';
}
