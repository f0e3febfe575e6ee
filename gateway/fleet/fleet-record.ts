// The envelope of every record a gateway sends to the fleet (the body of one JetStream message on
// `edgeward.<site>.<kind>`). Hub and gateway read this file; the kinds, the site id check and the
// subject names they share live with the stream, in fleet-stream.ts (import them from there).
import type { FleetKind } from './fleet-stream.js';

/**
 * One record as published (JSON, the message body). The same `id` travels as header `Nats-Msg-Id`,
 * so a record sent twice (a lost PubAck, a restart before the ack) is stored once by JetStream
 * (within the stream's duplicate window) and upserted once by the hub.
 */
export interface FleetRecord {
  /**
   * Unique per record and stable across retries. Alerts: `${alert.id}:${alert.rev}` (every change
   * bumps rev). Incidents, devices, logs: `<entity key>:<16 hex of SHA-256 of the data>`.
   */
  id: string;
  /** The gateway's site id. */
  site: string;
  kind: FleetKind;
  /** The gateway's outbox sequence number: increasing per site, never reused (gaps are records the bound dropped). */
  seq: number;
  /** When the gateway made the record, ISO-8601 UTC (ms). */
  at: string;
  /** The gateway's version (package.json), on every record a gateway sends; optional for other senders. */
  version?: string;
  /**
   * The record as the gateway's own API has it: an alert is the StoredAlert, an incident the
   * Incident, a device the device view, a log the EdgeLogRecord.
   */
  data: unknown;
}
