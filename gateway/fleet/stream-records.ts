// Turns the daemon's stream events (alert, incident, device, log) into fleet records: the record
// kind, a stable id (sent as Nats-Msg-Id) and the data as the gateway's API has it.
import { createHash } from 'node:crypto';
import type { FleetKind } from './fleet-stream.js';

/** A record to add to the outbox. */
export interface StreamRecord {
  kind: FleetKind;
  id: string;
  /** The record's data as JSON text. */
  body: string;
}

const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
/** 16 hex of SHA-256: the same data makes the same id, so a repeat is a duplicate, not a new record. */
const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 16);

/**
 * The fleet record of one stream event, or null for a shape it does not know.
 * - alert `{change, alert}`: the stored alert, id `${alert.id}:${alert.rev}` (every change bumps rev;
 *   an alert the full disk kept from the store has no rev: its data digest stands in);
 * - incident `{change, incident}`: the incident, id `${incident.id}:<digest>`;
 * - device `{change, device}`: the device view, id `${mac}:<digest>`;
 * - log (an EdgeLogRecord): the record, id `log:<seq>:<digest>`.
 */
export function streamRecord(topic: string, event: unknown): StreamRecord | null {
  const e = obj(event);
  if (e === null) return null;
  switch (topic) {
    case 'alert': {
      const a = obj(e.alert);
      if (a === null || typeof a.id !== 'string') return null;
      const body = JSON.stringify(a);
      return { kind: 'alert', id: `${a.id}:${typeof a.rev === 'number' ? a.rev : digest(body)}`, body };
    }
    case 'incident': {
      const i = obj(e.incident);
      if (i === null || (typeof i.id !== 'string' && typeof i.id !== 'number')) return null;
      const body = JSON.stringify(i);
      return { kind: 'incident', id: `${i.id}:${digest(body)}`, body };
    }
    case 'device': {
      const d = obj(e.device);
      if (d === null || typeof d.mac !== 'string') return null;
      const body = JSON.stringify(d);
      return { kind: 'device', id: `${d.mac}:${digest(body)}`, body };
    }
    case 'log': {
      const body = JSON.stringify(e);
      return { kind: 'log', id: `log:${typeof e.seq === 'number' ? e.seq : ''}:${digest(body)}`, body };
    }
    default:
      return null;
  }
}
