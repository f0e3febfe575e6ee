// `edgeward trust add|list|remove`: which certificates may sign MUD files for which vendor domain,
// written to the daemon's SQLite file directly (WAL: a running daemon sees a change at its next
// signature check). Each add and remove is a row of the audit log.
import { databasePath } from '../config/daemon-config.js';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { auditCliWrite, osUser } from '../audit/cli-audit.js';
import { loadConfig } from '../plugins/gateway-config.js';
import { signerInfo, TrustError, TrustedSigners, type TrustedSigner } from '../policy/trusted-signers.js';
import { openDatabase } from '../store/database.js';
import { UsageError, type CliIo } from './cli-io.js';

/** Exit status of each refusal, as the same refusal would have over HTTP in the audit log. */
const REFUSAL_STATUS: Record<TrustError['code'], number> = {
  'trust.certificate': 422, 'trust.vendor': 400, 'trust.expired': 422, 'trust.key-usage': 422, 'trust.not-found': 404,
};

/** One line of `trust list` for people. */
function line(s: TrustedSigner): string {
  return [s.id.padEnd(12), s.vendor.padEnd(24), s.kind.padEnd(6), s.fingerprint.slice(0, 16), s.notAfter.slice(0, 10), s.subject].join('  ');
}

/** Runs `edgeward trust` (argv after `trust`); resolves to the exit code. */
// Async like the other subcommands (main awaits each), though nothing here waits.
// eslint-disable-next-line @typescript-eslint/require-await -- the subcommands' common signature
export async function runTrust(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest, allowPositionals: true, strict: true,
    options: { vendor: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (sub !== 'add' && sub !== 'list' && sub !== 'remove') throw new UsageError(sub === undefined ? 'trust needs a subcommand: add, list or remove' : `unknown subcommand: trust ${sub}`);
  if (sub === 'add' && (positionals.length !== 1 || values.vendor === undefined)) throw new UsageError('trust add takes one CERT file and --vendor DOMAIN');
  if (sub === 'remove' && positionals.length !== 1) throw new UsageError('trust remove takes one ID or SHA-256 FINGERPRINT');
  if (sub === 'list' && positionals.length > 0) throw new UsageError('trust list takes no arguments');
  if (sub !== 'add' && values.vendor !== undefined) throw new UsageError(`--vendor belongs to trust add, not trust ${sub}`);
  let certText: Buffer | undefined;
  if (sub === 'add') {
    try {
      certText = readFileSync(positionals[0]!);
    } catch (e) {
      io.stderr(`edgeward trust add: cannot read ${positionals[0]}: ${(e as Error).message}\n`);
      return 1;
    }
  }

  const cfg = loadConfig(values.config ?? process.env.EDGEWARD_CONFIG);
  const db = openDatabase(databasePath(cfg.storage));
  const audit = (status: number, target: string | null, code: string | null, detail: string | null) => {
    if (!auditCliWrite(db, { command: `trust ${sub}`, target, status, code, detail })) io.stderr('edgeward: warning: the audit log did not take this change (storage refused it)\n');
  };
  try {
    const store = new TrustedSigners(db);
    switch (sub) {
      case 'add': {
        const { signer, created } = store.add(certText!, values.vendor!, `cli:${osUser()}`);
        audit(created ? 201 : 200, signer.fingerprint, null, `vendor=${signer.vendor} kind=${signer.kind} id=${signer.id}`);
        if (values.json) io.stdout(`${JSON.stringify({ ...signerInfo(signer), created })}\n`);
        else io.stdout(`${signer.id}\n`);
        io.stderr(`edgeward: ${created ? 'now trusting' : 'already trusted:'} ${signer.subject} (${signer.kind === 'ca' ? 'a CA: the certificates it issues' : 'this signing certificate'}) ` +
          `to sign MUD files for ${signer.vendor} and its subdomains; id ${signer.id}, SHA-256 ${signer.fingerprint}, valid until ${signer.notAfter}\n`);
        return 0;
      }
      case 'list': {
        const all = store.list();
        if (values.json) for (const s of all) io.stdout(`${JSON.stringify(signerInfo(s))}\n`);
        else if (all.length === 0) io.stderr('edgeward: no trusted signer (edgeward trust add CERT --vendor DOMAIN adds one)\n');
        else io.stdout(`${['ID'.padEnd(12), 'VENDOR'.padEnd(24), 'KIND'.padEnd(6), 'SHA-256'.padEnd(16), 'UNTIL'.padEnd(10), 'SUBJECT'].join('  ')}\n${all.map(line).join('\n')}\n`);
        return 0;
      }
      case 'remove': {
        const removed = store.remove(positionals[0]!);
        for (const s of removed) {
          audit(200, s.fingerprint, null, `vendor=${s.vendor} id=${s.id}`);
          io.stderr(`edgeward: no longer trusting ${s.subject} for ${s.vendor} (id ${s.id})\n`);
        }
        return 0;
      }
    }
  } catch (e) {
    if (e instanceof TrustError) {
      audit(REFUSAL_STATUS[e.code], sub === 'remove' ? positionals[0]! : null, e.code, values.vendor !== undefined ? `vendor=${values.vendor}` : null);
      io.stderr(`edgeward trust ${sub}: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    db.close();
  }
}
