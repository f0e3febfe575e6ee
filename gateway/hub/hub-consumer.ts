// The hub's reader of the fleet stream: one durable JetStream pull consumer (`edgeward-hub`) on
// EDGEWARD_FLEET. Messages are taken in batches, each batch stored in one SQLite transaction, and
// acknowledged only after the commit: a hub killed between the two gets the batch again (after
// ackWaitMs) and the store's idempotent upserts absorb it. Within a batch, stream order is kept,
// which is each site's order.
import { AckPolicy, DeliverPolicy, nanos, type ConsumerConfig, type ConsumerInfo, type ConsumerMessages, type JetStreamManager, type JsMsg, type NatsConnection } from 'nats';
import type { EventLog } from '../common/event-log.js';
import { ensureFleetStream, FLEET_STREAM } from '../fleet/fleet-stream.js';
import type { HubConsumerConfig } from './hub-config.js';
import { parseHubRecord, type HubRecord, type HubRecordFault } from './hub-record.js';
import type { BatchResult, HubStore } from './hub-store.js';

/** Wait before a batch the store could not commit is tried again, ms. */
const STORE_RETRY_MS = 1000;

/** Name of the hub's durable consumer. Several hub processes on this name share the work. */
export const HUB_CONSUMER = 'edgeward-hub';

/** Counters of the consumer since it started. */
export interface HubConsumerStats {
  /** Messages received (redeliveries included). */
  delivered: number;
  /** Of them, messages the server delivered again (not acknowledged in time before). */
  redelivered: number;
  /** Records stored for the first time. */
  stored: number;
  /** Records seen before (repeats absorbed). */
  repeats: number;
  /** Batches committed. */
  batches: number;
  /** Messages refused, by fault (terminated: never delivered again). */
  invalid: Partial<Record<HubRecordFault, number>>;
  /** Batches the store could not commit (disk full, …): not acknowledged, delivered again later. */
  storeFaults: number;
}

/** The consumer configuration the hub asks JetStream for. */
export function hubConsumerConfig(cfg: Readonly<HubConsumerConfig>): Partial<ConsumerConfig> {
  return {
    durable_name: HUB_CONSUMER,
    ack_policy: AckPolicy.All,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(cfg.ackWaitMs),
    max_ack_pending: cfg.maxAckPending,
  };
}

/** Reads EDGEWARD_FLEET into a HubStore. */
export class HubConsumer {
  readonly stats: HubConsumerStats = { delivered: 0, redelivered: 0, stored: 0, repeats: 0, batches: 0, invalid: {}, storeFaults: 0 };
  /**
   * Observer of each batch, called after its commit and before its acks, with the records stored or
   * repeated (stream order). The one seam to watch the hub commit: the tests kill the hub here
   * (with {@link abort}: committed, never acknowledged), and `npm run bench:fleet` times each
   * record from its `at` to its commit. It runs synchronously inside the consumer's loop: keep it
   * short, and never throw from it. Set it before start (Hub.onCommitted) to see every batch.
   */
  onCommitted: ((result: BatchResult, records: readonly HubRecord[]) => void) | null = null;
  private pending: JsMsg[] = [];
  private timer: NodeJS.Timeout | null = null;
  private iter: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private aborted = false;

  private constructor(
    private readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
    private readonly store: HubStore,
    private readonly cfg: Readonly<HubConsumerConfig>,
    private readonly log: EventLog,
  ) {}

  /**
   * Makes sure the stream and the durable consumer exist (the consumer brought to `cfg`), and
   * starts reading. Rejects when NATS refuses (no JetStream rights, no JetStream).
   */
  static async start(nc: NatsConnection, store: HubStore, cfg: Readonly<HubConsumerConfig>, log: EventLog,
    onCommitted: HubConsumer['onCommitted'] = null): Promise<HubConsumer> {
    const jsm = await nc.jetstreamManager();
    const stream = await ensureFleetStream(jsm);
    const want = hubConsumerConfig(cfg);
    let info: ConsumerInfo | null;
    try {
      info = await jsm.consumers.info(FLEET_STREAM, HUB_CONSUMER);
    } catch {
      info = null;
    }
    const existed = info !== null;
    let resumedAt: number | null = null;
    if (info !== null && (info.num_ack_pending > 0 || info.config.ack_policy !== want.ack_policy)) {
      // The last reader died holding records it never acknowledged. Left alone, the server would
      // deliver the newer records now and those only after ack_wait — out of each site's order. So
      // the consumer starts again just past its ack floor: everything after it comes again in stream
      // order, and what the dead reader had committed is absorbed as repeats. This assumes one hub
      // reads the durable (the scale plan in the README gives each partition one reader).
      resumedAt = info.ack_floor.stream_seq + 1;
      await jsm.consumers.delete(FLEET_STREAM, HUB_CONSUMER);
      await jsm.consumers.add(FLEET_STREAM, { ...want, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: resumedAt });
    } else if (info !== null) {
      const { durable_name: _d, deliver_policy: _p, ack_policy: _a, ...changes } = want;
      await jsm.consumers.update(FLEET_STREAM, HUB_CONSUMER, changes);
    } else {
      await jsm.consumers.add(FLEET_STREAM, want);
    }
    log('hub.consumer', { stream: FLEET_STREAM, streamAction: stream, consumer: HUB_CONSUMER, created: !existed, resumedAt });
    const c = new HubConsumer(nc, jsm, store, cfg, log);
    c.onCommitted = onCommitted;
    const consumer = await nc.jetstream().consumers.get(FLEET_STREAM, HUB_CONSUMER);
    // A callback, not the async iterator: one function call a message instead of a promise each.
    c.iter = await consumer.consume({ max_messages: cfg.batch, callback: (m) => c.take(m) });
    c.loop = c.iter.closed().then(() => undefined);
    return c;
  }

  /** One delivered message: pending until its batch is full or flushMs passed. */
  private take(m: JsMsg): void {
    if (this.aborted) return;
    this.stats.delivered++;
    if (m.redelivered) this.stats.redelivered++;
    this.pending.push(m);
    if (this.pending.length >= this.cfg.batch) this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.cfg.flushMs);
  }

  /** Stores what is pending in one transaction, then acknowledges it (synchronous: no message arrives meanwhile). */
  private flush(): void {
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    const msgs = this.pending;
    this.pending = [];
    if (msgs.length === 0 || this.aborted) return;
    const good: HubRecord[] = [];
    const bad: JsMsg[] = [];
    for (const m of msgs) {
      const r = parseHubRecord(m.subject, m.data, m.seq);
      if (typeof r === 'string') {
        this.stats.invalid[r] = (this.stats.invalid[r] ?? 0) + 1;
        this.log('hub.record-refused', { fault: r, subject: m.subject, streamSeq: m.seq });
        bad.push(m);
      } else {
        good.push(r);
      }
    }
    let result: BatchResult;
    try {
      result = this.store.storeBatch(good);
    } catch (e) {
      // Nothing of the batch is stored. It goes back to the head of what is pending and is tried
      // again in a second, still ahead of anything newer: a nak would have the server deliver newer
      // records first, out of each site's order. `working` holds off the server's redelivery meanwhile.
      this.stats.storeFaults++;
      this.log('hub.store-fault', { records: good.length, error: (e as Error).message });
      for (const m of msgs) m.working();
      this.pending = msgs.concat(this.pending);
      this.timer = setTimeout(() => this.flush(), STORE_RETRY_MS);
      return;
    }
    this.stats.batches++;
    this.stats.stored += result.stored;
    this.stats.repeats += result.repeats;
    this.onCommitted?.(result, good);
    if (this.aborted) return;
    for (const m of bad) m.term();
    msgs[msgs.length - 1]!.ack();
  }

  /** Whether the server has nothing left for the hub: no record undelivered, none unacknowledged (consumer info). */
  async caughtUp(): Promise<boolean> {
    const i = await this.jsm.consumers.info(FLEET_STREAM, HUB_CONSUMER);
    return i.num_pending === 0 && i.num_ack_pending === 0;
  }

  /** Messages delivered and not yet acknowledged, as the server counts them (consumer info). */
  async numAckPending(): Promise<number> {
    return (await this.jsm.consumers.info(FLEET_STREAM, HUB_CONSUMER)).num_ack_pending;
  }

  /** Stops reading: stores and acknowledges what is pending, makes sure the acks went out. */
  async stop(): Promise<void> {
    this.flush();
    // Nothing more is stored after this (a batch that failed just now is delivered again later).
    this.aborted = true;
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    this.iter?.stop();
    await this.loop;
    if (!this.nc.isClosed()) await this.nc.flush();
  }

  /**
   * Stops at once without acknowledging anything more — what a killed process does. A batch
   * committed but not acknowledged is delivered again to the next reader after ackWaitMs.
   */
  abort(): void {
    this.aborted = true;
    if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
    this.pending = [];
    this.iter?.stop();
  }
}
