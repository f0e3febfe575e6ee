#!/usr/bin/env -S node --max-semi-space-size=32 --max-old-space-size=384
// The `edgeward` command: dispatches to the subcommands of DESIGN.md's CLI contract.
// The 32 MiB young generation lets the many short-lived flows of busy links die young instead of
// being promoted: `edgeward bench` pinned to one core went from ~1.0 to ~1.4 M packets/s and peak
// RSS fell from ~260 to ~210 MiB (the figures are in README.md).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CaptureError } from '../capture/frame-source.js';
import { ConfigError } from '../config/load-config.js';
import { argsErrorMessage, isArgsError, wantsHelp } from '../../policies/cli/cli-args.js';
import { processIo, UsageError, type CliIo } from './cli-io.js';
import { COMMAND_HELP, commandKey, HUB_USAGE, REPLAY_USAGE, START_USAGE, SUBCOMMANDS } from './command-usage.js';
import { runReplay } from './replay-command.js';

const USAGE = `usage:
  ${REPLAY_USAGE}
  ${START_USAGE}
  ${HUB_USAGE}
  edgeward token create --role ROLE [--vendor DOMAIN] [--device MAC] [--name TEXT]   an API token (shown once)
  edgeward token list | revoke ID
  edgeward mud validate FILE...                        exit 0 accepted (warnings on stderr), 1 refused
  edgeward mud compile FILE --nft [--device MAC]       nftables script on stdout
  edgeward mud sign FILE --cert CERT --key KEY [--chain CHAIN] [--out FILE.p7s]
                                                       the detached CMS signature of RFC 8520 §13 (DER)
  edgeward mud learn CAPTURE --device MAC [--window DURATION] [--mud-url URL] [--include-rare] [--out FILE] [--config-out FILE]
                                                       a MUD file of what the device did (report on stderr)
  edgeward mud explain CAPTURE --bind MAC=MUDFILE... [--profiles DIR] [--config FILE] [--window DURATION] [--json]
                                                       per ACE flows and bytes, unused ACEs, why each denied flow was denied
  edgeward check [--wan IFACE] [--lan IFACE] [--netns NAME] [--config FILE] [--json]
                                                       home-router checklist: firewall, NAT, DNS filtering, UPnP, remote admin, not root
  edgeward audit [--device MAC]... [--consent-file FILE] [--config FILE] [--json]
                                                       default passwords on consenting LAN devices' telnet, SSH, HTTP Basic
  edgeward trust add CERT --vendor DOMAIN | list | remove ID|FINGERPRINT
                                                       which certificates may sign MUD files for which domain
  edgeward fleet nats-config --site ID... --store-dir DIR --secrets DIR [--out FILE]
                                                       the nats-server config of a fleet: one user per site, its own subjects only
  edgeward bench [FILE]                                packets/s of the full pipeline
  edgeward COMMAND [SUBCOMMAND] --help                 one command's usage and options
`;

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  // The command (and subcommand) whose usage a fault or --help prints; null for an unknown command.
  const key = commandKey(argv);
  const helpKey = cmd === 'help' ? commandKey(rest) : null;
  if (helpKey !== null) {
    io.stdout(COMMAND_HELP[helpKey]!);
    return 0;
  }
  if (key !== null && wantsHelp(rest)) {
    io.stdout(COMMAND_HELP[key]!);
    return 0;
  }
  try {
    const subs = cmd === undefined ? undefined : SUBCOMMANDS[cmd];
    if (subs !== undefined && !subs.includes(rest[0] ?? '')) {
      const first = rest[0];
      throw new UsageError(first === undefined ? `no subcommand given (${subs.join(', ')})`
        : first.startsWith('-') ? `unknown option ${first.split('=')[0]} (give a subcommand first: ${subs.join(', ')})`
          : `unknown subcommand ${first} (${subs.join(', ')})`);
    }
    switch (cmd) {
      case 'replay':
        return await runReplay(rest, io);
      case 'bench': {
        const { runBench } = await import('./bench-command.js');
        return await runBench(rest, io);
      }
      case 'start': {
        const { runStart } = await import('./start-command.js');
        return await runStart(rest, io);
      }
      case 'hub': {
        const { runHub } = await import('./hub-command.js');
        return await runHub(rest, io);
      }
      case 'fleet': {
        const { runFleet } = await import('./fleet-command.js');
        return await runFleet(rest, io);
      }
      case 'check': {
        const { runCheck } = await import('./check-command.js');
        return await runCheck(rest, io);
      }
      case 'audit': {
        const { runAuditCommand } = await import('./audit-command.js');
        return await runAuditCommand(rest, io);
      }
      case 'token': {
        const { runToken } = await import('./token-command.js');
        return await runToken(rest, io);
      }
      case 'trust': {
        const { runTrust } = await import('./trust-command.js');
        return await runTrust(rest, io);
      }
      case 'mud': {
        if (rest[0] === 'learn') {
          const { runMudLearn } = await import('./mud-learn-command.js');
          return await runMudLearn(rest.slice(1), io);
        }
        if (rest[0] === 'explain') {
          const { runMudExplain } = await import('./mud-explain-command.js');
          return await runMudExplain(rest.slice(1), io);
        }
        const { runMudCommand } = await import('../../policies/cli/mud-command.js');
        // `mud sign --out -` writes the DER signature to stdout as bytes.
        return await runMudCommand(rest, io === processIo ? { ...io, stdoutBytes: (b: Buffer) => void process.stdout.write(b) } : io);
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command: ${cmd}`);
    }
  } catch (e) {
    if (e instanceof UsageError || isArgsError(e)) {
      // The fault in one line (no parser advice), then the usage of this command only.
      const message = e instanceof UsageError ? e.message : argsErrorMessage(e);
      io.stderr(`edgeward${key !== null ? ` ${key}` : ''}: ${message}\n${key !== null ? COMMAND_HELP[key]! : USAGE}`);
      return 2;
    }
    if (e instanceof CaptureError || e instanceof ConfigError) {
      io.stderr(`edgeward: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

// Run only when executed (directly or through the npm bin link), not when imported by tests.
const entry = process.argv[1] !== undefined ? realpathSync(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => { process.stderr.write(`edgeward: internal error: ${(e as Error).stack ?? String(e)}\n`); process.exitCode = 70; },
  );
}
