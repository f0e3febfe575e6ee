// Alert suppression for the daemon: analysts make, list and remove suppressions (stored in SQLite,
// kept across restarts); the AlertManager asks `suppressor` about every input before deduplication.
// A silenced input is counted, not lost: its suppression's count and last time grow in memory, the
// input goes into a bounded ring, and flush() (the daemon's housekeeping, once a second) writes both
// in one transaction. Expiry is wall-clock time from an injected clock.
import { randomBytes } from 'node:crypto';
import { parsePrefix } from '../../policies/net/ip-address.js';
import { ev, type DecodeCounters } from '../common/events.js';
import { iso } from '../common/packet-time.js';
import type { Db } from '../store/database.js';
import { storageGuardOf } from '../store/storage-guard.js';
import type { AlertInput } from './alert.js';
import type { AlertSuppressor } from './alert-manager.js';
import type { SuppressionsConfig } from './suppression-config.js';
import { SuppressionIndex, type ActiveSuppression } from './suppression-matcher.js';
import { SuppressionStore, type CountDelta, type HitRecord } from './suppression-store.js';
import { parseSuppressionRequest, type SuppressedAlert, type Suppression, type SuppressionProblem, type SuppressionState } from './suppression.js';

/** Options of {@link Suppressions}. */
export interface SuppressionsOptions {
  config: Readonly<SuppressionsConfig>;
  /** Wall clock, ms since the epoch (tests pass a fake one). Default Date.now. */
  now?: () => number;
  /** Named-event counters where every silenced input is counted as `alert.suppressed`. */
  counters?: DecodeCounters;
  /** Told when writing to SQLite fails (the counts and inputs are kept for the next flush) and when it works again. */
  onWriteError?: (error: Error | null) => void;
}

/** Answer of {@link Suppressions.create}. */
export type CreateSuppressionResult =
  | { ok: true; suppression: Suppression }
  | { ok: false; code: 'invalid'; problems: SuppressionProblem[] }
  | { ok: false; code: 'limit'; max: number };

/** A page of silenced inputs of one suppression, newest first. */
export interface SuppressedPage {
  items: SuppressedAlert[];
  /** Inputs of this suppression still kept (the oldest of all suppressions are pruned past suppressions.hitsKept). */
  total: number;
  /** Pass as `before` for the next page; null at the end. */
  next: number | null;
}

/** A silenced input waiting for the next flush: a slot reused from flush to flush (packet time kept in µs until written). */
type HitSlot = Omit<HitRecord, 'ts'> & { tsUs: number };

const EVENT_SUPPRESSED = ev('alert.suppressed');

export class Suppressions {
  private readonly store: SuppressionStore;
  private readonly now: () => number;
  /** Active suppressions by id (those past expiry stay until the flush that writes their last counts). */
  private readonly live = new Map<string, ActiveSuppression>();
  private index = new SuppressionIndex([]);
  /** Wall-clock time (ms) the next active suppression expires: the index is rebuilt then. */
  private nextExpiryMs = Number.POSITIVE_INFINITY;
  /** Suppressions with pending counts, each once. */
  private dirty: ActiveSuppression[] = [];
  /** Silenced inputs since the last flush: a ring of at most hitsKept slots (the oldest overwritten). */
  private readonly ring: HitSlot[] = [];
  private ringStart = 0;
  private ringLen = 0;
  /** Silenced inputs overwritten in the ring before a flush could write them. */
  private overwritten = 0;
  private failing = false;

  /**
   * Asked by the AlertManager about every input: true silences it (counted here). Cheap when
   * nothing is active; otherwise four map lookups and the candidates' checks.
   */
  readonly suppressor: AlertSuppressor = (input) => {
    if (this.index.size === 0) return false;
    const s = this.index.match(input, this.now());
    if (s === null) return false;
    this.count(s, input);
    return true;
  };

  constructor(db: Db, private readonly opts: SuppressionsOptions) {
    this.store = new SuppressionStore(db);
    this.now = opts.now ?? Date.now;
    for (const s of this.store.active(this.nowIso())) this.live.set(s.id, activeOf(s));
    this.rebuild();
  }

  /** Suppressions active now (bounded by suppressions.maxActive). */
  get activeCount(): number {
    return this.index.size;
  }

  /** Silenced inputs that never reached SQLite: overwritten in the ring between two flushes. */
  get hitsOverwritten(): number {
    return this.overwritten;
  }

  /** Checks a request (`POST /api/v1/suppressions` body) and makes the suppression, active at once. */
  create(body: unknown, by: string): CreateSuppressionResult {
    const nowMs = this.now();
    const r = parseSuppressionRequest(body, nowMs, this.opts.config.maxExpirySeconds);
    if (!r.ok) return { ok: false, code: 'invalid', problems: r.problems };
    this.dropExpired(nowMs);
    if (this.live.size >= this.opts.config.maxActive) return { ok: false, code: 'limit', max: this.opts.config.maxActive };
    const v = r.value;
    const id = `sup-${randomBytes(8).toString('hex')}`;
    const createdAt = new Date(nowMs).toISOString();
    this.store.insert({ id, rule: v.rule, device: v.device, peer: v.peer, port: v.port, expiresAt: new Date(v.expiresAtMs).toISOString(), reason: v.reason, createdBy: by, createdAt });
    const s = this.store.get(id, createdAt)!;
    this.live.set(id, activeOf(s));
    this.rebuild();
    return { ok: true, suppression: s };
  }

  /** Ends a suppression now (recording who); null when there is none with this id. Removing twice keeps the first. */
  remove(id: string, by: string): Suppression | null {
    // Its counts so far are written first: it leaves the matcher now.
    this.flush();
    const nowIso = this.nowIso();
    if (!this.store.remove(id, by, nowIso)) return null;
    if (this.live.delete(id)) this.rebuild();
    return this.store.get(id, nowIso);
  }

  /** One suppression with its counts up to now. */
  get(id: string): Suppression | null {
    this.flush();
    return this.store.get(id, this.nowIso());
  }

  /** Suppressions newest first, in one state or all (at most `limit`, default 200). */
  list(state?: SuppressionState, limit = 200): Suppression[] {
    this.flush();
    return this.store.list(this.nowIso(), state, limit);
  }

  /** The kept silenced inputs of a suppression, newest first; null when there is no such suppression. */
  hits(id: string, limit = 100, before?: number): SuppressedPage | null {
    this.flush();
    if (this.store.get(id, this.nowIso()) === null) return null;
    return this.store.hits(id, limit, before);
  }

  /** Occurrences silenced over their life by the suppressions active now (for Prometheus). */
  counts(): { suppression: string; count: number }[] {
    const out: { suppression: string; count: number }[] = [];
    for (const s of this.live.values()) out.push({ suppression: s.id, count: s.total });
    return out;
  }

  /**
   * Writes the pending counts and silenced inputs in one transaction and drops expired suppressions
   * from the matcher. Call about once a second and before closing the database. A failed write
   * (a full disk) keeps everything pending for the next call.
   */
  flush(): void {
    if (this.dirty.length > 0 || this.ringLen > 0) {
      const deltas: CountDelta[] = [];
      for (const s of this.dirty) if (s.pending > 0) deltas.push({ id: s.id, add: s.pending, last: iso(s.pendingLastUs) });
      try {
        this.store.write(deltas, this.pendingHits(), this.opts.config.hitsKept);
        // Rows stored: health stops saying the disk is full, as it does after any store's write.
        if (this.ringLen > 0) storageGuardOf(this.store.db)?.success();
        if (this.failing) { this.failing = false; this.opts.onWriteError?.(null); }
      } catch (e) {
        // Counted by the storage guard (health, metrics) when it is a full disk; kept pending either way.
        storageGuardOf(this.store.db)?.failure('suppressed_alerts', e, this.ringLen);
        if (!this.failing) { this.failing = true; this.opts.onWriteError?.(e as Error); }
        return;
      }
      for (const s of this.dirty) { s.pending = 0; s.pendingLastUs = 0; }
      this.dirty = [];
      this.ringStart = 0;
      this.ringLen = 0;
    }
    this.dropExpired(this.now());
  }

  private count(s: ActiveSuppression, input: AlertInput): void {
    const n = input.count ?? 1;
    this.opts.counters?.add(EVENT_SUPPRESSED);
    // A count-0 input only updates an open alert's evidence: silenced, but no occurrence to count or list.
    if (n === 0) return;
    if (s.pending === 0) this.dirty.push(s);
    s.pending += n;
    s.total += n;
    if (input.ts > s.pendingLastUs) s.pendingLastUs = input.ts;
    const cap = this.opts.config.hitsKept;
    if (cap <= 0) return;
    let slot: HitSlot;
    if (this.ringLen < cap) {
      const i = (this.ringStart + this.ringLen) % cap;
      this.ringLen++;
      slot = this.ring[i] ??= { suppression: '', rule: input.rule, device: null, src: '', dst: '', proto: '', sport: null, dport: null, count: 0, tsUs: 0, message: '' };
    } else {
      // More silenced inputs between two flushes than the table keeps: the oldest would be pruned anyway.
      slot = this.ring[this.ringStart]!;
      this.ringStart = (this.ringStart + 1) % cap;
      this.overwritten++;
    }
    slot.suppression = s.id;
    slot.rule = input.rule;
    slot.device = input.device;
    slot.src = input.src;
    slot.dst = input.dst;
    slot.proto = input.proto;
    slot.sport = input.sport;
    slot.dport = input.dport;
    slot.count = n;
    slot.tsUs = input.ts;
    slot.message = input.message;
  }

  /** The ring's inputs, oldest first, as rows to write. */
  private *pendingHits(): Generator<HitRecord> {
    const cap = this.opts.config.hitsKept;
    for (let k = 0; k < this.ringLen; k++) {
      const h = this.ring[(this.ringStart + k) % cap]!;
      yield { suppression: h.suppression, rule: h.rule, device: h.device, src: h.src, dst: h.dst, proto: h.proto, sport: h.sport, dport: h.dport, count: h.count, ts: iso(h.tsUs), message: h.message };
    }
  }

  /** Drops suppressions past their expiry from the matcher, once their counts are written. */
  private dropExpired(nowMs: number): void {
    if (nowMs < this.nextExpiryMs) return;
    let changed = false;
    for (const [id, s] of this.live) {
      if (s.expiresAtMs <= nowMs && s.pending === 0) {
        this.live.delete(id);
        changed = true;
      }
    }
    if (changed) this.rebuild();
  }

  private rebuild(): void {
    this.index = new SuppressionIndex(this.live.values());
    let next = Number.POSITIVE_INFINITY;
    for (const s of this.live.values()) if (s.expiresAtMs < next) next = s.expiresAtMs;
    this.nextExpiryMs = next;
  }

  private nowIso(): string {
    return new Date(this.now()).toISOString();
  }
}

/** The matcher's form of a stored suppression. */
function activeOf(s: Suppression): ActiveSuppression {
  return {
    id: s.id, rule: s.rule, device: s.device, port: s.port ?? -1, net: s.peer === null ? null : parsePrefix(s.peer),
    expiresAtMs: Date.parse(s.expiresAt), pending: 0, pendingLastUs: 0, total: s.suppressed,
  };
}
