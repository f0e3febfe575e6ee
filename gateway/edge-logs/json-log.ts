// Records a device posts as JSON (`POST /api/v1/logs`): one object or an array of them, checked
// field by field (every fault reported with its JSON Pointer) and normalized to the edge log schema.
import type { JsonLogErrorCode } from './edge-log-events.js';
import { capText, SYSLOG_SEVERITIES, syslogSeverityCode, type EdgeLogRecord, type StructuredData } from './log-record.js';
import { isoOrNull, parseRfc3339 } from './syslog-time.js';

/** One refused field: where (JSON Pointer, RFC 6901), the stable code, and a human text. */
export interface JsonLogError {
  path: string;
  code: JsonLogErrorCode;
  message: string;
}

/** Limits of the JSON ingest (edgeLogs keys). */
export interface JsonLogLimits {
  /** Records in one body. Default 1000. */
  maxRecords: number;
  /** Longest message kept; longer ones are cut and flagged `truncated`. Default 65536. */
  maxLineBytes: number;
}

const DEFAULT_LIMITS: JsonLogLimits = { maxRecords: 1000, maxLineBytes: 65536 };

/** Keys a record may have; anything else is refused, so a typo is not silently lost. */
const KEYS = new Set(['ts', 'host', 'app', 'severity', 'message', 'structuredData', 'procId', 'msgId']);

/** Longest host, app, procId and msgId: RFC 5424 §6's HOSTNAME, APP-NAME, PROCID and MSGID. */
const MAX_FIELD = { host: 255, app: 48, procId: 128, msgId: 32 } as const;

/** Faults reported at most, so a huge bad batch gets a bounded answer. */
const MAX_ERRORS = 100;


/** SD-NAME (RFC 5424 §6.3.2): 1..32 PRINTUSASCII except '=', SP, ']', '"'. */
const SD_NAME = /^[!#-<>-\\^-~]{1,32}$/;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 6901: '~' → '~0', '/' → '~1'. */
function pointer(...parts: (string | number)[]): string {
  return parts.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * Checks and normalizes a posted body received from `sourceIp` at `receivedAt`. Either every
 * record is accepted, or none is and every fault is listed (up to 100), so a device learns all
 * that is wrong at once. The device is left null: the caller sets it from the token or address.
 */
export function normalizeJsonLog(body: unknown, sourceIp: string, receivedAt: Date,
  limits: Readonly<JsonLogLimits> = DEFAULT_LIMITS): { records: EdgeLogRecord[] } | { errors: JsonLogError[] } {
  const errors: JsonLogError[] = [];
  const fail = (path: string, code: JsonLogErrorCode, message: string): void => {
    if (errors.length < MAX_ERRORS) errors.push({ path, code, message });
  };
  let items: unknown[];
  let array = false;
  if (Array.isArray(body)) {
    array = true;
    if (body.length === 0) return { errors: [{ path: '', code: 'json.empty_batch', message: 'the array holds no record' }] };
    if (body.length > limits.maxRecords) {
      return { errors: [{ path: '', code: 'json.too_many', message: `more than ${limits.maxRecords} records` }] };
    }
    items = body;
  } else if (isObject(body)) items = [body];
  else return { errors: [{ path: '', code: 'json.not_object', message: 'expected an object or an array of objects' }] };

  const receivedIso = receivedAt.toISOString();
  const records: EdgeLogRecord[] = [];
  items.forEach((item, idx) => {
    const at = (key?: string): string => (array ? pointer(idx, ...(key === undefined ? [] : [key])) : key === undefined ? '' : pointer(key));
    if (!isObject(item)) { fail(at(), 'json.not_object', 'expected an object'); return; }
    const before = errors.length;
    for (const key of Object.keys(item)) if (!KEYS.has(key)) fail(at(key), 'json.unknown_key', `unknown key (known: ${[...KEYS].join(', ')})`);

    let message = '';
    if (item.message === undefined) fail(at('message'), 'json.missing', 'message is required');
    else if (typeof item.message !== 'string') fail(at('message'), 'json.wrong_type', 'must be a string');
    else message = item.message;

    const text = {} as Record<keyof typeof MAX_FIELD, string | null>;
    for (const key of Object.keys(MAX_FIELD) as (keyof typeof MAX_FIELD)[]) {
      const v = item[key];
      text[key] = null;
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string') fail(at(key), 'json.wrong_type', 'must be a string');
      else if (v.length > MAX_FIELD[key]) fail(at(key), 'json.too_long', `at most ${MAX_FIELD[key]} characters`);
      else text[key] = v;
    }

    // The record is dated by its receive time; the device's own time is kept beside it.
    let deviceTs: string | null = null;
    if (item.ts !== undefined && item.ts !== null) {
      const ms = typeof item.ts === 'string' ? parseRfc3339(item.ts, 9) : null;
      const iso = ms === null ? null : isoOrNull(ms);
      if (typeof item.ts !== 'string') fail(at('ts'), 'json.wrong_type', 'must be an RFC 3339 string');
      else if (iso === null) fail(at('ts'), 'json.bad_timestamp', 'expected RFC 3339, e.g. 2026-01-31T12:00:00.000Z');
      else deviceTs = iso;
    }

    let severityCode: number | null = null;
    const sev = item.severity;
    if (typeof sev === 'number') {
      if (Number.isInteger(sev) && sev >= 0 && sev <= 7) severityCode = sev;
      else fail(at('severity'), 'json.bad_severity', 'a number must be an integer 0..7');
    } else if (typeof sev === 'string') {
      const code = syslogSeverityCode(sev);
      if (code === null) fail(at('severity'), 'json.bad_severity', `expected one of ${SYSLOG_SEVERITIES.join(', ')} or 0..7`);
      else severityCode = code;
    } else if (sev !== undefined && sev !== null) fail(at('severity'), 'json.wrong_type', 'must be a name or an integer 0..7');

    let sd: StructuredData | null = null;
    if (item.structuredData !== undefined && item.structuredData !== null) {
      sd = structuredData(item.structuredData, at('structuredData'), fail);
    }

    if (errors.length > before) return;
    const cut = capText(message, limits.maxLineBytes);
    const raw = capText(JSON.stringify(item), limits.maxLineBytes);
    records.push({
      ts: receivedIso, receivedAt: receivedIso, deviceTs, clockSkewed: false, device: null, sourceIp, host: text.host, app: text.app, procId: text.procId, msgId: text.msgId,
      facility: null, severity: severityCode === null ? null : SYSLOG_SEVERITIES[severityCode]!, severityCode,
      message: cut.text, structuredData: sd, format: 'json', transport: 'http', raw: raw.text, truncated: cut.truncated,
    });
  });
  return errors.length > 0 ? { errors } : { records };
}

/** Checks `{ SD-ID: { PARAM-NAME: "value" } }`; returns a null-prototype copy, or null after reporting faults. */
function structuredData(v: unknown, path: string, fail: (p: string, c: JsonLogErrorCode, m: string) => void): StructuredData | null {
  if (!isObject(v)) { fail(path, 'json.bad_structured_data', 'must be an object of SD-IDs'); return null; }
  const out = Object.create(null) as StructuredData;
  let ok = true;
  for (const [id, params] of Object.entries(v)) {
    const p = path + pointer(id);
    if (!SD_NAME.test(id)) { fail(p, 'json.bad_structured_data', 'SD-ID must be 1..32 printable ASCII characters without = ] " or space'); ok = false; continue; }
    if (!isObject(params)) { fail(p, 'json.bad_structured_data', 'must be an object of string parameters'); ok = false; continue; }
    const copy = Object.create(null) as Record<string, string>;
    for (const [name, value] of Object.entries(params)) {
      if (!SD_NAME.test(name) || typeof value !== 'string') {
        fail(p + pointer(name), 'json.bad_structured_data', 'PARAM-NAME must be an SD-NAME and its value a string');
        ok = false;
        continue;
      }
      copy[name] = value;
    }
    out[id] = copy;
  }
  return ok ? out : null;
}
