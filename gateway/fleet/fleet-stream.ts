// The fleet's names on NATS: which kinds of record a gateway publishes, the subjects they travel on,
// the site id they carry, and the one JetStream stream (EDGEWARD_FLEET) that keeps them for the hub.
import { DiscardPolicy, RetentionPolicy, StorageType, nanos, type JetStreamManager, type StreamConfig } from 'nats';

/**
 * The kinds of record a gateway sends to the SOC, one subject each (`edgeward.<site>.<kind>`):
 * `alert` new and changed alerts (status changes included), `incident`, `device` inventory
 * changes, `log` edge-log records, `traffic` per-minute traffic summaries, `ack` a gateway's answer to
 * a hub command (gateway/fleet/command-types.ts CommandAck).
 */
export const FLEET_KINDS = Object.freeze(['alert', 'incident', 'device', 'log', 'traffic', 'ack'] as const);

/** One of {@link FLEET_KINDS}. */
export type FleetKind = (typeof FLEET_KINDS)[number];

/** Name of the JetStream stream holding every site's records. */
export const FLEET_STREAM = 'EDGEWARD_FLEET';

/** First token of every fleet subject. */
export const FLEET_SUBJECT_ROOT = 'edgeward';

/**
 * How long JetStream remembers a `Nats-Msg-Id` to drop a re-sent record, ms (10 min). A gateway
 * re-sends what it published but saw no acknowledgement for, usually within seconds of a reconnect.
 */
export const FLEET_DUPLICATE_WINDOW_MS = 10 * 60 * 1000;

/**
 * A site id: 1–63 characters, lower-case letters, digits and '-', not starting with '-'. It is one
 * NATS subject token and part of a user name, so it never holds '.', '*', '>' or blanks.
 */
const SITE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Whether `s` is a valid site id: /^[a-z0-9][a-z0-9-]{0,62}$/. */
export function isSiteId(s: unknown): s is string {
  return typeof s === 'string' && SITE_ID.test(s);
}

/** Whether `s` is one of {@link FLEET_KINDS}. */
export function isFleetKind(s: unknown): s is FleetKind {
  return typeof s === 'string' && (FLEET_KINDS as readonly string[]).includes(s);
}

function checkSite(site: string): void {
  // A bad id here would make a subject with wildcards or extra tokens: refuse it loudly.
  if (!isSiteId(site)) throw new RangeError(`not a site id: ${JSON.stringify(site)}`);
}

/**
 * The Nats-Msg-Id of a site's record: JetStream drops a repeated id across the whole stream, not per
 * subject, and alert ids are content hashes (two gateways that see the same traffic make the same
 * one), so the id is scoped by the site.
 */
export function fleetMsgId(site: string, recordId: string): string {
  return `${site}:${recordId}`;
}

/** `edgeward.<site>.<kind>`: where a site publishes records of one kind. Throws RangeError on a bad site id. */
export function fleetSubject(site: string, kind: FleetKind): string {
  checkSite(site);
  return `${FLEET_SUBJECT_ROOT}.${site}.${kind}`;
}

/** `edgeward.<site>.control`: where the hub sends a site its commands (never stored in the stream). */
export function controlSubject(site: string): string {
  checkSite(site);
  return `${FLEET_SUBJECT_ROOT}.${site}.control`;
}

/**
 * The stream's subjects, `edgeward.*.<kind>` for each kind. Listed kind by kind (not
 * `edgeward.*.*`) so that control subjects are never captured by the stream.
 */
export const FLEET_STREAM_SUBJECTS: readonly string[] = Object.freeze(FLEET_KINDS.map((k) => `${FLEET_SUBJECT_ROOT}.*.${k}`));

/** Limits of the fleet stream; the defaults keep everything until the server's own store limit. */
export interface FleetStreamOptions {
  /** Oldest record kept, ms; 0 = no age limit (default 0). */
  maxAgeMs?: number;
  /** Bytes kept before the oldest records go; -1 = no limit (default -1). */
  maxBytes?: number;
  /** Copies across a JetStream cluster (default 1: one server; 3 in the cluster plan). */
  replicas?: number;
}

/** The stream configuration {@link ensureFleetStream} asks for. */
export function fleetStreamConfig(opts: FleetStreamOptions = {}): Partial<StreamConfig> {
  return {
    name: FLEET_STREAM,
    subjects: [...FLEET_STREAM_SUBJECTS],
    storage: StorageType.File,
    // Limits, not work-queue: the hub reads with durable consumers and a second reader (an
    // archive consumer, a second hub) must see the same records.
    retention: RetentionPolicy.Limits,
    // With no stream limit set, a full server store refuses new publishes instead of dropping
    // the oldest: the gateway's outbox keeps them, so nothing is lost silently.
    discard: DiscardPolicy.Old,
    max_age: nanos(opts.maxAgeMs ?? 0),
    max_bytes: opts.maxBytes ?? -1,
    num_replicas: opts.replicas ?? 1,
    duplicate_window: nanos(FLEET_DUPLICATE_WINDOW_MS),
  };
}

/** What {@link ensureFleetStream} did. */
export type EnsureStreamResult = 'created' | 'updated' | 'unchanged';

/** JetStream's error code for "stream not found" (nats-server errors.json, JSStreamNotFoundErr). */
const JS_STREAM_NOT_FOUND = 10059;

/**
 * Creates the `EDGEWARD_FLEET` stream, or brings an existing one to this configuration (subjects,
 * limits, duplicate window; other settings an operator made are kept). Called by the hub, whose NATS
 * user may use the JetStream API; gateways never call it. Rejects with the server's error when
 * the stream cannot be made (e.g. an existing stream with memory storage cannot be changed to file).
 */
export async function ensureFleetStream(jsm: JetStreamManager, opts: FleetStreamOptions = {}): Promise<EnsureStreamResult> {
  const want = fleetStreamConfig(opts);
  let current: StreamConfig;
  try {
    current = (await jsm.streams.info(FLEET_STREAM)).config;
  } catch (e) {
    const code = (e as { api_error?: { err_code?: number } }).api_error?.err_code;
    if (code !== JS_STREAM_NOT_FOUND) throw e;
    await jsm.streams.add(want);
    return 'created';
  }
  const same = sameSubjects(current.subjects ?? [], FLEET_STREAM_SUBJECTS) &&
    current.storage === want.storage && current.retention === want.retention && current.discard === want.discard &&
    current.max_age === want.max_age && current.max_bytes === want.max_bytes &&
    current.num_replicas === want.num_replicas && current.duplicate_window === want.duplicate_window;
  if (same) return 'unchanged';
  // streams.update merges these fields into the stream's current configuration.
  const { name: _name, ...changes } = want;
  await jsm.streams.update(FLEET_STREAM, changes);
  return 'updated';
}

function sameSubjects(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && b.every((s) => a.includes(s));
}
