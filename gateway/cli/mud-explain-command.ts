// `edgeward mud explain CAPTURE`: replays a capture against MUD profiles and explains every
// verdict — per device what each ACE allowed, the ACEs never used, why each denied flow was denied.
// Text for people, JSON with --json. Exit 0; 1 for a refused MUD file or an unreadable input; 2 for bad usage.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatIssue, parseMac, parseMud, type MudIssue } from '../../policies/index.js';
import { CaptureError } from '../capture/frame-source.js';
import { ConfigError, GATEWAY_DEFAULTS } from '../config/load-config.js';
import { loadConfigFile } from '../plugins/gateway-config.js';
import { explainCapture } from './explain-capture.js';
import { explainText } from '../explain/explain-text.js';
import { parseDuration } from '../common/duration.js';
import { ProfileStore } from '../policy/profile-store.js';
import type { CliIo } from './cli-io.js';
import { COMMAND_HELP } from './command-usage.js';
import { argsErrorMessage, isArgsError } from '../../policies/cli/cli-args.js';

/** Stable codes of what the command reports on failure (in the --json error object). */
export const MUD_EXPLAIN_ERRORS = Object.freeze({
  'mud.refused': 'A --bind MUD file does not validate; `issues` lists each fault with its JSON Pointer path.',
  'input.unreadable': 'A MUD file, profiles directory or config file cannot be read, or the config is invalid.',
  'capture.error': 'The capture cannot be opened or is corrupt.',
} as const);

type ErrorCode = keyof typeof MUD_EXPLAIN_ERRORS;

function usage(io: CliIo, message: string): number {
  io.stderr(`edgeward mud explain: ${message}\n${COMMAND_HELP['mud explain']}`);
  return 2;
}

function fail(io: CliIo, json: boolean, code: ErrorCode, message: string, extra: Record<string, unknown> = {}): number {
  io.stderr(`edgeward mud explain: ${message}\n`);
  if (json) io.stdout(JSON.stringify({ error: { code, message, ...extra } }, null, 2) + '\n');
  return 1;
}

const issueJson = (i: MudIssue): Record<string, unknown> => ({
  code: i.code, path: i.path, message: i.message, ...(i.line !== undefined && { line: i.line, column: i.column }),
});

/** Runs `edgeward mud explain` with the arguments after `explain`; returns the exit code. */
export async function runMudExplain(argv: string[], io: CliIo): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        bind: { type: 'string', multiple: true },
        profiles: { type: 'string' },
        config: { type: 'string' },
        window: { type: 'string' },
        'max-denied': { type: 'string' },
        json: { type: 'boolean' },
      },
    }));
  } catch (e) {
    if (!isArgsError(e)) throw e;
    return usage(io, argsErrorMessage(e));
  }
  const json = values.json === true;
  if (positionals.length !== 1) return usage(io, 'takes one capture file');
  const binds: [string, string][] = [];
  for (const b of values.bind ?? []) {
    const eq = b.indexOf('=');
    if (eq < 0) return usage(io, `--bind takes MAC=MUDFILE, not ${b}`);
    if (parseMac(b.slice(0, eq).toLowerCase()) < 0) return usage(io, `--bind ${b}: ${b.slice(0, eq)} is not a MAC address`);
    binds.push([b.slice(0, eq).toLowerCase(), b.slice(eq + 1)]);
  }
  let windowSeconds: number | null = null;
  if (values.window !== undefined) {
    windowSeconds = parseDuration(values.window);
    if (windowSeconds === null) return usage(io, `--window takes a duration such as 90s, 15m, 2h or 1d, not ${values.window}`);
  }
  let maxDenied: number | undefined;
  if (values['max-denied'] !== undefined) {
    maxDenied = Number(values['max-denied']);
    if (!Number.isInteger(maxDenied) || maxDenied < 0) return usage(io, '--max-denied takes a whole number');
  }
  let gw = GATEWAY_DEFAULTS;
  if (values.config !== undefined) {
    try {
      gw = loadConfigFile(values.config);
    } catch (e) {
      return fail(io, json, 'input.unreadable', `${values.config}: ${(e as Error).message}`, e instanceof ConfigError ? { problems: e.problems } : {});
    }
  }
  const allBinds = [...Object.entries(gw.policy.bindings), ...binds];
  const profilesDir = values.profiles ?? gw.policy.profilesDir;
  if (allBinds.length === 0 && !profilesDir) return usage(io, 'give the profiles: --bind MAC=MUDFILE and/or --profiles DIR');

  // Each bound file must validate: a refusal names every fault by its JSON path.
  const store = new ProfileStore();
  for (const [mac, file] of allBinds) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      return fail(io, json, 'input.unreadable', `${file}: cannot read: ${(e as Error).message}`, { file });
    }
    const r = parseMud(text);
    if (!r.ok) {
      return fail(io, json, 'mud.refused', `refused MUD file ${file}:\n  ${r.errors.map(formatIssue).join('\n  ')}`, { file, issues: r.errors.map(issueJson) });
    }
    store.bind(mac, file);
  }
  if (profilesDir) {
    try {
      store.loadDir(profilesDir);
    } catch (e) {
      return fail(io, json, 'input.unreadable', `${profilesDir}: cannot read: ${(e as Error).message}`, { file: profilesDir });
    }
    for (const r of store.refused) io.stderr(`edgeward mud explain: refused MUD file ${r.file} (not used):\n  ${r.errors.join('\n  ')}\n`);
  }

  const file = positionals[0]!;
  let result;
  try {
    result = await explainCapture(file, {
      config: gw.pipeline, detect: gw.detect, policy: { config: gw.policy, store }, boundMacs: allBinds.map(([m]) => m), windowSeconds,
      ...(maxDenied !== undefined && { maxDeniedListed: maxDenied }),
    });
  } catch (e) {
    if (e instanceof CaptureError) return fail(io, json, 'capture.error', e.message, { file, captureCode: e.code });
    throw e;
  }
  if (json) io.stdout(JSON.stringify({ capture: file, ...result.report }, null, 2) + '\n');
  else io.stdout(explainText(result.report, file));
  for (const w of result.summary.capture.warnings) io.stderr(`warning: ${file}: ${w}\n`);
  return 0;
}
