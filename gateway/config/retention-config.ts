// Checks config `storage.retention` (nested: a table's bounds are an object) and keeps it equal to
// the older names of the same bounds — storage.flowsKept, storage.streamKept, edgeLogs.maxRows — so
// a config written before retention existed means what it meant, and a new one can use either name.
import { RETENTION_DEFAULTS, type RetentionConfig, type RetentionTable, type TableRetention } from '../store/retention.js';

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const count = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The retention bounds as resolved, and the older keys set to agree with them. */
export interface ResolvedRetention {
  retention: Readonly<RetentionConfig>;
  flowsKept: number;
  streamKept: number;
  edgeLogsMaxRows: number;
}

/** Older keys that name a table's maxRows: [section, key, table]. */
const ALIASES: readonly (readonly [section: 'storage' | 'edgeLogs', key: string, table: RetentionTable])[] = [
  ['storage', 'flowsKept', 'flows'],
  ['storage', 'streamKept', 'streamEvents'],
  ['edgeLogs', 'maxRows', 'edgeLogs'],
];

/**
 * Validates the raw `storage` and `edgeLogs` sections' retention keys (problems are pushed with their
 * paths) and returns the frozen retention with the aliases applied. A table's maxRows comes from
 * `storage.retention.<table>.maxRows` when given, else from its older key when given, else the
 * default; given both with different values is a problem (which one was meant?).
 */
export function resolveRetention(storage: unknown, edgeLogs: unknown, problems: string[]): ResolvedRetention {
  const raw = isObj(storage) ? storage.retention : undefined;
  const out: Record<string, unknown> = { ...RETENTION_DEFAULTS };
  const given = new Set<RetentionTable>();
  if (raw !== undefined && !isObj(raw)) problems.push('storage.retention: must be an object');
  else if (raw !== undefined) {
    for (const [key, v] of Object.entries(raw)) {
      const path = `storage.retention.${key}`;
      const d = (RETENTION_DEFAULTS as unknown as Record<string, unknown>)[key];
      if (d === undefined) { problems.push(`${path}: unknown key (known: ${Object.keys(RETENTION_DEFAULTS).join(', ')})`); continue; }
      if (typeof d === 'number') {
        if (!count(v)) problems.push(`${path}: must be a non-negative number`);
        else if ((key === 'batchRows' || key === 'maxBatches' || key === 'intervalSeconds') && v < 1) problems.push(`${path}: must be at least 1`);
        else out[key] = v;
        continue;
      }
      if (!isObj(v)) { problems.push(`${path}: must be an object with maxAgeDays and maxRows`); continue; }
      const t: TableRetention = { ...(d as TableRetention) };
      for (const [k, x] of Object.entries(v)) {
        if (k !== 'maxAgeDays' && k !== 'maxRows') { problems.push(`${path}.${k}: unknown key (known: maxAgeDays, maxRows)`); continue; }
        if (!count(x)) { problems.push(`${path}.${k}: must be a non-negative number (0: no limit)`); continue; }
        t[k] = x;
        if (k === 'maxRows') given.add(key as RetentionTable);
      }
      out[key] = Object.freeze(t);
    }
  }
  const sections = { storage: isObj(storage) ? storage : {}, edgeLogs: isObj(edgeLogs) ? edgeLogs : {} };
  for (const [section, key, table] of ALIASES) {
    const old = sections[section][key];
    if (!count(old)) continue; // absent, or already reported by the section's own check
    const t = out[table] as TableRetention;
    if (given.has(table) && t.maxRows !== old) {
      problems.push(`${section}.${key} (${old}) and storage.retention.${table}.maxRows (${t.maxRows}) disagree: they are one bound, give one`);
      continue;
    }
    out[table] = Object.freeze({ ...t, maxRows: old });
  }
  const retention = Object.freeze(out) as unknown as Readonly<RetentionConfig>;
  return { retention, flowsKept: retention.flows.maxRows, streamKept: retention.streamEvents.maxRows, edgeLogsMaxRows: retention.edgeLogs.maxRows };
}
