// What the hub accepts from the fleet stream: a record envelope (FleetRecord of the fleet contract)
// checked field by field, its site taken from the subject the server let the sender publish on —
// never from the body alone, so a site cannot write records into another site's rows.
import type { FleetRecord } from '../fleet/fleet-record.js';
import { FLEET_SUBJECT_ROOT, isFleetKind, isSiteId } from '../fleet/fleet-stream.js';

/** A record as the hub stores it: the envelope (FleetRecord, checked; its site the subject's) and where it sat in the stream. */
export interface HubRecord extends Omit<FleetRecord, 'version'> {
  /** The gateway's version, when the envelope carries one (`version`, a string). */
  version: string | null;
  /** The stream sequence of the message. */
  streamSeq: number;
}

/** Why a message was refused (named, counted by the consumer; the message is terminated, not redelivered). */
export type HubRecordFault =
  | 'record.bad-subject'
  | 'record.bad-json'
  | 'record.bad-field'
  | 'record.site-mismatch'
  | 'record.kind-mismatch'
  | 'record.bad-alert';

const MAX_ID = 200;

/**
 * Parses one stream message. `subject` is `edgeward.<site>.<kind>`; `body` the JSON envelope.
 * Returns the record or the fault's name; never throws (the bytes come from a site).
 */
export function parseHubRecord(subject: string, body: Uint8Array, streamSeq: number): HubRecord | HubRecordFault {
  const parts = subject.split('.');
  if (parts.length !== 3 || parts[0] !== FLEET_SUBJECT_ROOT || !isSiteId(parts[1]) || !isFleetKind(parts[2])) return 'record.bad-subject';
  const site = parts[1];
  const kind = parts[2];
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return 'record.bad-json';
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'record.bad-json';
  const r = v as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id === '' || r.id.length > MAX_ID || typeof r.at !== 'string' ||
    typeof r.seq !== 'number' || !Number.isSafeInteger(r.seq) || r.seq < 0 || !('data' in r)) return 'record.bad-field';
  if (r.site !== site) return 'record.site-mismatch';
  if (r.kind !== kind) return 'record.kind-mismatch';
  if (kind === 'alert' && alertFields(r.data) === null) return 'record.bad-alert';
  const version = typeof r.version === 'string' && r.version.length <= 64 ? r.version : null;
  return { id: r.id, site, kind, seq: r.seq, at: r.at, data: r.data, version, streamSeq };
}

/** The indexed columns of an alert record's data (a StoredAlert), or null when it lacks them. */
export interface AlertColumns {
  id: string;
  rule: string;
  severity: string;
  device: string | null;
  lastTs: string;
  status: string;
  rev: number;
}

/** The columns the hub indexes an alert by, or null when `data` is not an alert. */
export function alertFields(data: unknown): AlertColumns | null {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  const a = data as Record<string, unknown>;
  const str = (x: unknown) => typeof x === 'string' && x !== '' && x.length <= MAX_ID;
  if (!str(a.id) || !str(a.rule) || !str(a.severity) || !str(a.lastTs) || !str(a.status)) return null;
  if (!(a.device === null || a.device === undefined || str(a.device))) return null;
  if (typeof a.rev !== 'number' || !Number.isSafeInteger(a.rev) || a.rev < 0) return null;
  return { id: a.id as string, rule: a.rule as string, severity: a.severity as string, device: (a.device as string | null | undefined) ?? null, lastTs: a.lastTs as string, status: a.status as string, rev: a.rev };
}
