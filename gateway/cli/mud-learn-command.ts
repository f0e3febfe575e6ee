// `edgeward mud learn CAPTURE --device MAC`: replays a capture, learns what the device did, and
// writes an RFC 8520 MUD file (stdout or --out) with its report (stderr or --report; JSON with --json).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mudUrlAuthority } from '../../policies/index.js';
import { GATEWAY_DEFAULTS } from '../config/load-config.js';
import { loadConfigFile } from '../plugins/gateway-config.js';
import { parseMac } from '../common/address-text.js';
import { parseDuration } from '../common/duration.js';
import { reportText } from '../learn/learn-report.js';
import { ProfileLearner } from '../learn/profile-learner.js';
import { replayCapture } from '../replay/replay.js';
import type { CliIo } from './cli-io.js';
import { UsageError } from './cli-io.js';

function wholeNumber(v: string | undefined, flag: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} takes a whole number of at least ${min}`);
  return n;
}

/** Runs `edgeward mud learn` with the arguments after `learn`; returns the exit code. */
export async function runMudLearn(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      device: { type: 'string' },
      window: { type: 'string' },
      'mud-url': { type: 'string' },
      'include-rare': { type: 'boolean' },
      'min-flows': { type: 'string' },
      'tail-after': { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      report: { type: 'string' },
      json: { type: 'boolean' },
      'config-out': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('mud learn takes one capture file');
  if (values.device === undefined || parseMac(values.device) < 0) throw new UsageError('mud learn needs --device MAC (aa:bb:cc:dd:ee:ff)');
  let windowSeconds = 0;
  if (values.window !== undefined) {
    const w = parseDuration(values.window);
    if (w === null) throw new UsageError(`--window takes a duration such as 90s, 10m, 1h30m (not ${values.window})`);
    windowSeconds = w;
  }
  const mudUrl = values['mud-url'];
  // RFC 8520 §3.3: the MUD URL is an https URL; anything else would not validate cleanly.
  if (mudUrl !== undefined && (mudUrlAuthority(mudUrl) === undefined || !mudUrl.startsWith('https://'))) {
    throw new UsageError(`--mud-url takes an https URL with a host (RFC 8520 §3.3), not ${mudUrl}`);
  }
  const minFlows = wholeNumber(values['min-flows'], '--min-flows', 1);
  const tailAfter = wholeNumber(values['tail-after'], '--tail-after', 0);
  const gw = values.config ? loadConfigFile(values.config) : GATEWAY_DEFAULTS;
  const file = positionals[0]!;

  // The sensor the config describes, plus the learner for this device; alerts are not printed.
  const { summary, sensor } = await replayCapture(file, {
    config: gw.pipeline,
    topFlows: 0,
    detect: { config: gw.detect, alerts: gw.alerts, learn: { devices: [values.device], windowSeconds, policy: gw.policy } },
  });
  const learner = sensor.plugin<ProfileLearner>('profileLearner');
  for (const w of summary.capture.warnings) io.stderr(`warning: ${file}: ${w}\n`);
  const ev = learner!.evidenceOf(values.device)!;
  if (ev.flows === 0) {
    const seen = summary.devices.map((d) => d.mac).join(', ') || 'none';
    io.stderr(`edgeward: no flows of ${ev.mac} in ${file}${ev.afterWindow > 0 ? ' inside the window' : ''} (devices seen: ${seen})\n`);
    return 1;
  }
  const { mud, report } = learner!.profileFor(values.device, {
    ...(mudUrl !== undefined && { mudUrl }),
    includeRare: values['include-rare'] === true,
    ...(minFlows !== undefined && { minFlows }),
    ...(tailAfter !== undefined && { tailAfter }),
  });
  const mudText = JSON.stringify(mud, null, 2) + '\n';
  if (values.out !== undefined) writeFileSync(values.out, mudText);
  else io.stdout(mudText);
  const reportOut = values.json ? JSON.stringify(report, null, 2) + '\n' : reportText(report);
  if (values.report !== undefined) writeFileSync(values.report, reportOut);
  else io.stderr(reportOut);
  if (values['config-out'] !== undefined) writeFileSync(values['config-out'], JSON.stringify(report.replayConfig ?? {}, null, 2) + '\n');
  if (!report.validation.accepted) {
    io.stderr(`edgeward: the learned profile does not validate:\n  ${report.validation.errors.join('\n  ')}\n`);
    return 1;
  }
  return 0;
}
