// `edgeward mud …`: validate MUD files, compile one to an nftables script, sign one (RFC 8520 §13).
// The gateway's CLI main dispatches here with the arguments after `mud`.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatIssue } from '../mud/issues.js';
import { parseMud } from '../mud/parse-mud.js';
import { compileProfile } from '../compile/compiled-policy.js';
import { PolicyContextError, PRIVATE_NETWORKS, type PolicyContext } from '../compile/policy-context.js';
import { renderNft } from '../nft/render-nft.js';
import { parseMac } from '../net/mac-address.js';
import { argsErrorMessage, isArgsError } from './cli-args.js';
import { MUD_COMPILE_USAGE, MUD_SIGN_USAGE, MUD_VALIDATE_USAGE } from './mud-usage.js';
import { runMudSign } from './mud-sign-command.js';

/** Where the command writes. */
export interface MudCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Raw bytes to stdout (`mud sign --out -`); absent where stdout is text only. */
  stdoutBytes?: (b: Buffer) => void;
}

/** Usage text of `edgeward mud` (the subcommands this package runs). */
export const MUD_USAGE = [MUD_VALIDATE_USAGE, MUD_COMPILE_USAGE, MUD_SIGN_USAGE].join('\n');

async function readText(file: string, io: MudCommandIo): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    io.stderr(`${file}: cannot read: ${(e as Error).message}\n`);
    return undefined;
  }
}

async function validate(args: readonly string[], io: MudCommandIo): Promise<number> {
  let files: string[];
  try {
    // No options: this only refuses "--bogus" as an option instead of reading it as a file name.
    files = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: {} }).positionals;
  } catch (e) {
    if (!isArgsError(e)) throw e;
    io.stderr(`edgeward mud validate: ${argsErrorMessage(e)}\n${MUD_VALIDATE_USAGE}`);
    return 2;
  }
  if (files.length === 0) {
    io.stderr(`edgeward mud validate: no FILE given\n${MUD_VALIDATE_USAGE}`);
    return 2;
  }
  let refused = false;
  for (const file of files) {
    const text = await readText(file, io);
    if (text === undefined) { refused = true; continue; }
    const r = parseMud(text);
    for (const w of r.warnings) io.stderr(`${file}: ${formatIssue(w)}\n`);
    if (r.ok) {
      io.stdout(`${file}: accepted (${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'})\n`);
    } else {
      refused = true;
      for (const e of r.errors) io.stderr(`${file}: ${formatIssue(e)}\n`);
      io.stdout(`${file}: refused (${r.errors.length} error${r.errors.length === 1 ? '' : 's'})\n`);
    }
  }
  return refused ? 1 : 0;
}

async function compile(args: readonly string[], io: MudCommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        nft: { type: 'boolean' },
        device: { type: 'string' },
        local: { type: 'string', multiple: true },
        controller: { type: 'string', multiple: true },
        'my-controller': { type: 'string', multiple: true },
        emergency: { type: 'string', multiple: true },
        'device-address': { type: 'string', multiple: true },
      },
    });
  } catch (e) {
    if (!isArgsError(e)) throw e;
    io.stderr(`edgeward mud compile: ${argsErrorMessage(e)}\n${MUD_COMPILE_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || !values.nft) {
    io.stderr(`edgeward mud compile: give exactly one FILE and --nft\n${MUD_COMPILE_USAGE}`);
    return 2;
  }
  if (values.device !== undefined && parseMac(values.device.toLowerCase()) < 0) {
    io.stderr(`edgeward mud compile: --device '${values.device}' is not a MAC address (aa:bb:cc:dd:ee:ff)\n`);
    return 2;
  }
  const controllers: Record<string, string[]> = {};
  for (const c of values.controller ?? []) {
    const eq = c.lastIndexOf('=');
    if (eq <= 0) {
      io.stderr(`edgeward mud compile: --controller '${c}' is not URI=ADDR[,ADDR...]\n`);
      return 2;
    }
    (controllers[c.slice(0, eq)] ??= []).push(...c.slice(eq + 1).split(',').filter((x) => x !== ''));
  }
  const file = positionals[0]!;
  const text = await readText(file, io);
  if (text === undefined) return 1;
  const r = parseMud(text);
  for (const w of r.warnings) io.stderr(`${file}: ${formatIssue(w)}\n`);
  if (!r.ok) {
    for (const e of r.errors) io.stderr(`${file}: ${formatIssue(e)}\n`);
    io.stderr(`${file}: refused; nothing compiled\n`);
    return 1;
  }
  const ctx: PolicyContext = {
    ...(values.device !== undefined && { deviceMac: values.device.toLowerCase() }),
    localNetworks: values.local ?? PRIVATE_NETWORKS,
    controllers,
    ...(values['my-controller'] && { myControllers: { [r.profile.mudUrl]: values['my-controller'] } }),
    ...(values.emergency && { emergency: values.emergency }),
    ...(values['device-address'] && { deviceAddresses: values['device-address'] }),
  };
  try {
    io.stdout(renderNft([compileProfile(r.profile, ctx)]));
  } catch (e) {
    if (!(e instanceof PolicyContextError)) throw e;
    io.stderr(`edgeward mud compile: ${e.message}\n`);
    return 2;
  }
  return 0;
}

/** Runs `edgeward mud ARGS…` (argv starts after `mud`); resolves to the exit code. */
export async function runMudCommand(argv: string[], io: MudCommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'validate':
      return validate(rest, io);
    case 'compile':
      return compile(rest, io);
    case 'sign':
      return runMudSign(rest, io);
    case '-h':
    case '--help':
    case 'help':
      io.stdout(MUD_USAGE);
      return 0;
    default:
      io.stderr(`edgeward mud: ${sub === undefined ? 'no subcommand' : `unknown subcommand '${sub}'`}\n${MUD_USAGE}`);
      return 2;
  }
}
