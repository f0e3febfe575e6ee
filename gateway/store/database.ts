// The daemon's one SQLite file (better-sqlite3, WAL). Every store (alerts, stream journal, edge
// logs, tokens, profiles, flows) takes this handle and creates its own tables if missing, so one
// file holds the gateway's state and a backup is one copy.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Opens (creating it and its folder if needed) the SQLite file at `path`; ':memory:' for tests.
 * WAL lets readers (the API) run while the packet path writes; synchronous=NORMAL survives a killed
 * process, which is the failure a gateway meets, at a fraction of FULL's fsyncs.
 */
export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  return db;
}
