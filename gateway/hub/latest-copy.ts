// The hub's one way to keep, per key, the latest copy of a record a site sends again and again (an
// alert at each rev, a device view, an incident, a minute of traffic, the site's gateway state): an
// insert when the key is new, else an update only when the copy is newer — so a batch stored twice,
// or an older copy delivered late, changes nothing, and new and updated are told apart without
// reading the row first.
import type { Db } from '../store/database.js';

/** What storing one copy did to its row: inserted, replaced by a newer copy, or nothing. */
export type RowChange = 'new' | 'updated' | null;

/** The parameter name of a column: `last_seen` → `lastSeen`. */
const param = (column: string): string => column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * Stores copies in `table`: `keys` name the row, `columns` the rest (parameters named in camel
 * case, `last_seen` ← `@lastSeen`). `newer` is the SQL condition, over the stored row and the
 * parameters, under which a copy replaces it (default: made later by the site's clock, then its
 * outbox sequence); `set` gives a column another update expression than its parameter.
 */
export function latestCopy(db: Db, table: string, keys: readonly string[], columns: readonly string[],
  newer = '(at, seq) < (@at, @seq)', set: Readonly<Record<string, string>> = {}): (row: Record<string, unknown>) => RowChange {
  const all = [...keys, ...columns];
  const insert = db.prepare(`INSERT INTO ${table} (${all.join(', ')}) VALUES (${all.map((c) => `@${param(c)}`).join(', ')})
    ON CONFLICT (${keys.join(', ')}) DO NOTHING`);
  const update = db.prepare(`UPDATE ${table} SET ${columns.map((c) => `${c} = ${set[c] ?? `@${param(c)}`}`).join(', ')}
    WHERE ${keys.map((k) => `${k} = @${param(k)}`).join(' AND ')} AND ${newer}`);
  return (row) => (insert.run(row).changes > 0 ? 'new' : update.run(row).changes > 0 ? 'updated' : null);
}
