// What a daemon left on disk, for the tests that look for what must not be there (a withheld field,
// a password): the bytes of every file under its data directory — SQLite, WAL, EVE and any other —
// as latin1, so that any byte sequence is found as written.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export function storedBytes(dir: string): string {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(storedBytes(p));
    else out.push(readFileSync(p).toString('latin1'));
  }
  return out.join('\n');
}
