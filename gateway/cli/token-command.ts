// `edgeward token create|list|revoke`: API tokens, written to the daemon's SQLite file directly
// (WAL lets this run next to a running daemon, which sees a new token at its next request). Each
// create and revoke, refused ones too, is a row of the audit log (actor `cli`, the OS user).
import { databasePath } from '../config/daemon-config.js';
import { parseArgs } from 'node:util';
import { auditCliWrite } from '../audit/cli-audit.js';
import { AuthError } from '../auth/auth-errors.js';
import { TokenStore } from '../auth/token-store.js';
import { hubDatabasePath, loadHubConfig } from '../hub/hub-config.js';
import { loadConfig } from '../plugins/gateway-config.js';
import { openDatabase } from '../store/database.js';
import { UsageError, type CliIo } from './cli-io.js';

export const TOKEN_USAGE = `edgeward token create --role admin|analyst|vendor|device [--vendor DOMAIN] [--device MAC] [--name TEXT] [--config FILE | --hub-config FILE]
  edgeward token list [--config FILE | --hub-config FILE]
  edgeward token revoke ID [--config FILE | --hub-config FILE]`;

// Async like the other subcommands (main awaits each), though nothing here waits.
// eslint-disable-next-line @typescript-eslint/require-await -- the subcommands' common signature
export async function runToken(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest, allowPositionals: true, strict: true,
    options: { role: { type: 'string' }, vendor: { type: 'string' }, device: { type: 'string' }, name: { type: 'string' }, config: { type: 'string' }, 'hub-config': { type: 'string' }, json: { type: 'boolean' } },
  });
  if (values.config !== undefined && values['hub-config'] !== undefined) throw new UsageError('give --config (a gateway) or --hub-config (a hub), not both');
  // The hub keeps its tokens in its own SQLite file, with the same roles as a gateway's.
  const dbPath = values['hub-config'] !== undefined ? hubDatabasePath(loadHubConfig(values['hub-config']))
    : databasePath(loadConfig(values.config ?? process.env.EDGEWARD_CONFIG).storage);
  const db = openDatabase(dbPath);
  /** The write under way, for its audit row if it is refused. */
  let audit: { command: string; target: string | null; detail: string | null } | null = null;
  try {
    const store = new TokenStore(db);
    switch (sub) {
      case 'create': {
        if (values.role === undefined) throw new UsageError('token create needs --role');
        // The audit row names the role and scope asked for, never the token (issue 17: every write is audited).
        const asked = [`role=${values.role}`, values.vendor ? `vendor=${values.vendor}` : '', values.device ? `device=${values.device}` : ''].filter((x) => x !== '').join(' ');
        audit = { command: 'token create', target: null, detail: asked };
        const t = store.create({ role: values.role, vendor: values.vendor, device: values.device, name: values.name });
        auditCliWrite(db, { ...audit, target: t.id, status: 201, detail: `${asked}${t.info.name ? ` name=${t.info.name}` : ''}` });
        if (values.json) io.stdout(`${JSON.stringify({ token: t.token, ...t.info })}\n`);
        else {
          io.stdout(`${t.token}\n`);
          io.stderr(`edgeward: token ${t.id} (${t.info.role}${t.info.vendor ? `, vendor ${t.info.vendor}` : ''}${t.info.device ? `, device ${t.info.device}` : ''}) created; the secret above is shown once.\n`);
        }
        return 0;
      }
      case 'list':
        for (const t of store.list()) io.stdout(`${JSON.stringify(t)}\n`);
        return 0;
      case 'revoke': {
        const id = positionals[0];
        if (id === undefined) throw new UsageError('token revoke needs the token id');
        audit = { command: 'token revoke', target: id, detail: null };
        const revoked = store.revoke(id);
        auditCliWrite(db, { ...audit, status: 200, detail: revoked ? null : 'already revoked' });
        io.stderr(revoked ? `edgeward: token ${id} revoked\n` : `edgeward: token ${id} was already revoked\n`);
        return 0;
      }
      default:
        throw new UsageError(`usage:\n  ${TOKEN_USAGE}`);
    }
  } catch (e) {
    if (e instanceof AuthError) {
      if (audit !== null) auditCliWrite(db, { ...audit, status: e.status, code: e.code });
      io.stderr(`edgeward: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    db.close();
  }
}
