// Turns detector output into alerts: deduplicates by (rule, device, peer) within a window with a
// count and first/last time, folds per-device alerts into a storm alert while one is open,
// persists every new alert before anyone else sees it, then tells the listeners.
import { createHash } from 'node:crypto';
import { BoundedTable } from '../common/bounded-table.js';
import type { DecodeCounters } from '../common/events.js';
import type { Alert, AlertInput } from './alert.js';
import type { AlertStore } from './alert-store.js';
import { RULES, type RuleId, type Severity } from './rules.js';
import { iso, isoMicros } from '../common/packet-time.js';

/** Alert settings (config `alerts.*`). */
export interface AlertsConfig {
  /** Occurrences of one (rule, device, peer) within this many seconds fold into one alert. Default 3600. */
  dedupWindowSeconds: number;
  /** Open deduplication entries kept; the oldest is closed at the cap. Default 10000. */
  maxOpen: number;
  /** Severity per rule, overriding the defaults of `rules.ts`. Default {}. */
  severity: Partial<Record<RuleId, Severity>>;
}

export const ALERTS_DEFAULTS: Readonly<AlertsConfig> = Object.freeze({ dedupWindowSeconds: 3600, maxOpen: 10000, severity: Object.freeze({}) });

/** Told of every new alert (`isNew`) and of every later change to its count; `reopened` when that change reopened a resolved alert. */
export type AlertListener = (alert: Alert, isNew: boolean, reopened?: boolean) => void;
/**
 * Decides before deduplication whether an input is silenced (a suppression rule matches it); a
 * silenced input raises nothing and the suppressor counts it. Returns true to silence.
 */
export type AlertSuppressor = (input: AlertInput) => boolean;
/** Writes the message an analyst reads for a new alert (rule template, device by name); null keeps the detector's. */
export type AlertRenderer = (input: AlertInput) => string | null;
/** An input to raise() (storm null) or to openStorm() (with its rules and end). */
export type InputTap = (input: AlertInput, storm: { rules: readonly RuleId[]; untilTs: number } | null) => void;

interface Open {
  alert: Alert;
  lastTs: number;
  dirty: boolean;
}

interface Storm {
  rules: ReadonlySet<RuleId>;
  untilTs: number;
  open: Open;
}

/** Highest number of folded devices or items an alert's evidence lists. */
const MAX_FOLDED_LIST = 100;
/** Packet time between two sweeps of stale deduplication entries, µs. */
const EXPIRE_EVERY_US = 60e6;

/** The deduplication key: alerts of one rule, device and peer fold into one. */
const dedupKey = (input: AlertInput, peer: string): string => `${input.rule}|${input.device ?? ''}|${peer}`;

export class AlertManager {
  /**
   * Open deduplication entries by key, oldest opened first; at maxOpen the oldest is closed (its
   * pending count written first; counted, `alert.dedup_table_full`).
   */
  private readonly open: BoundedTable<string, Open>;
  private readonly listeners: AlertListener[] = [];
  private readonly raised: Alert[] = [];
  private storm: Storm | null = null;
  /** Open entries bumped since the last flush, each once. */
  private dirtyList: Open[] = [];
  /** Packet time (µs) of the next sweep of stale entries. */
  private nextExpire = 0;
  /** Hears every input as given (a sensor worker forwards them to the merging thread). */
  private inputTap: InputTap | null = null;
  private suppressor: AlertSuppressor | null = null;
  private renderer: AlertRenderer | null = null;

  /**
   * `keepRaised`: remember every alert for all() (a replay's summary). A daemon runs for months and
   * reads its alerts from the store instead, so it passes false. `counters`: the named-event
   * counters where `alert.dedup_table_full` is counted. `resume`: an input whose key has no open
   * entry continues the latest stored alert of that key when it is within the window (a restarted
   * daemon goes on counting the alerts it had; a replay into a file starts afresh, so it passes false).
   */
  constructor(
    private readonly cfg: Readonly<AlertsConfig>, private readonly store: AlertStore | null = null, private readonly keepRaised = true,
    counters?: DecodeCounters, private readonly resume = false,
  ) {
    this.open = new BoundedTable<string, Open>({
      name: 'alerts.maxOpen', capacity: cfg.maxOpen, order: 'fifo', counters, event: 'alert.dedup_table_full',
      // Its last count is written now; flush() then passes it over (it is still in the dirty list).
      onEvict: (_key, old) => { if (old.dirty) { old.dirty = false; this.store?.update(old.alert); } },
    });
  }

  /** Alerts closed at the maxOpen cap. */
  get closedAtCap(): number {
    return this.open.evicted;
  }

  /** `tap` hears every raise() and openStorm() input as given, before it is folded (one tap). */
  tapInputs(tap: InputTap): void {
    this.inputTap = tap;
  }

  /** `s` is asked about every raise() input after the tap and before deduplication (one suppressor). */
  setSuppressor(s: AlertSuppressor | null): void {
    this.suppressor = s;
  }

  /** `r` writes the message of every new alert (one renderer). */
  setRenderer(r: AlertRenderer | null): void {
    this.renderer = r;
  }

  addListener(l: AlertListener): void {
    this.listeners.push(l);
  }

  /** Deduplication entries open now (bounded by `maxOpen`). */
  get openCount(): number {
    return this.open.size;
  }

  /** The alerts open for deduplication now whose device is `device` (a detector grading a finding by what came before). */
  openFor(device: string): Alert[] {
    const out: Alert[] = [];
    for (const o of this.open.values()) if (o.alert.device === device) out.push(o.alert);
    return out;
  }

  /** Every alert raised in this run, in the order raised (kept for summaries; bounded by the run; empty unless keepRaised). */
  all(): readonly Alert[] {
    return this.raised;
  }

  /** Raises or folds one alert. Returns the alert it now counts in (null for a count-0 update with nothing open). */
  raise(input: AlertInput): Alert | null {
    this.inputTap?.(input, null);
    if (this.suppressor !== null && this.suppressor(input)) return null;
    const n = input.count ?? 1;
    const storm = this.storm;
    if (storm !== null && input.ts <= storm.untilTs && storm.rules.has(input.rule)) {
      // A storm is open: this per-device alert is one of its many, not a finding of its own.
      const ev = storm.open.alert.evidence as { folded?: Record<string, number>; devices?: string[] };
      ev.folded ??= {};
      ev.folded[input.rule] = (ev.folded[input.rule] ?? 0) + n;
      if (input.device && ev.devices && ev.devices.length < MAX_FOLDED_LIST && !ev.devices.includes(input.device)) ev.devices.push(input.device);
      this.bump(storm.open, input.ts, 0);
      return storm.open.alert;
    }
    const peer = input.peer ?? input.dst;
    const key = dedupKey(input, peer);
    const o = this.open.peek(key) ?? (this.resume ? this.resumed(key, input, peer) : undefined);
    if (o !== undefined && input.ts - o.lastTs <= this.cfg.dedupWindowSeconds * 1e6) {
      Object.assign(o.alert.evidence, structuredClone(input.evidence));
      this.bump(o, input.ts, n);
      return o.alert;
    }
    if (o !== undefined) this.open.delete(key);
    // A count-0 input only updates the evidence of an open finding; with none open there is
    // nothing to update, and an alert of zero occurrences would be a false one.
    if (n === 0) return null;
    return this.create(key, input, n, peer).alert;
  }

  /**
   * Opens a storm: until `untilTs`, alerts of `rules` fold into the storm alert `input` instead of
   * standing alone (DESIGN: devices reconnecting after a power cut must not bury the SOC).
   */
  openStorm(input: AlertInput, rules: readonly RuleId[], untilTs: number): Alert {
    this.inputTap?.(input, { rules, untilTs });
    const peer = input.peer ?? input.dst;
    const o = this.create(dedupKey(input, peer), input, input.count ?? 1, peer);
    this.storm = { rules: new Set(rules), untilTs, open: o };
    return o.alert;
  }

  /** Writes pending count changes to the store and tells listeners. Call about once a second. */
  flush(): void {
    if (this.dirtyList.length === 0) return;
    // Only the entries bumped since the last flush (not every open one: this runs once a second).
    const list = this.dirtyList;
    this.dirtyList = [];
    for (const o of list) {
      if (!o.dirty) continue;
      o.dirty = false;
      const reopened = this.store?.update(o.alert) === 'reopened';
      for (const l of this.listeners) l(o.alert, false, reopened);
    }
  }

  /** Closes entries idle for longer than the window at packet time `now` (µs). */
  expire(now: number): void {
    if (this.storm !== null && now > this.storm.untilTs) this.storm = null;
    // A stale entry is already treated as closed by raise(); removing it is only to free memory, so
    // once a minute of packet time is enough (each sweep walks every open entry).
    if (now < this.nextExpire) return;
    this.nextExpire = now + EXPIRE_EVERY_US;
    const limit = now - this.cfg.dedupWindowSeconds * 1e6;
    for (const [k, o] of this.open) if (o.lastTs < limit && !o.dirty) this.open.delete(k);
  }

  private bump(o: Open, ts: number, n: number): void {
    o.alert.count += n;
    if (ts > o.lastTs) {
      o.lastTs = ts;
      o.alert.lastTs = iso(ts);
    }
    if (!o.dirty) this.dirtyList.push(o);
    o.dirty = true;
  }

  /**
   * The latest stored alert of `key` as an open entry, when its last occurrence is within the window
   * of this input (a restart in between); else undefined (checked here, so a stale one never takes a
   * place in the table). One indexed lookup per key not open.
   */
  private resumed(key: string, input: AlertInput, peer: string): Open | undefined {
    // Its peer is stored with it (AlertStore.insert), so the key finds it again.
    const s = this.store?.latest(input.rule, input.device, peer) ?? null;
    if (s === null) return undefined;
    const lastTs = isoMicros(s.lastTs);
    if (input.ts - lastTs > this.cfg.dedupWindowSeconds * 1e6) return undefined;
    const alert: Alert = {
      id: s.id, ts: s.ts, rule: s.rule, severity: s.severity, device: s.device, src: s.src, dst: s.dst, proto: s.proto, sport: s.sport, dport: s.dport,
      communityId: s.communityId, count: s.count, message: s.message, evidence: s.evidence, firstTs: s.firstTs, lastTs: s.lastTs,
    };
    if (s.sni !== undefined) alert.sni = s.sni;
    if (s.ja4 !== undefined) alert.ja4 = s.ja4;
    this.open.reserve();
    const o: Open = { alert, lastTs, dirty: false };
    this.open.set(key, o);
    return o;
  }

  private create(key: string, input: AlertInput, n: number, peer: string): Open {
    // At the cap the oldest open entry is closed first, its pending count written (onEvict above).
    this.open.reserve();
    const t = iso(input.ts);
    // Same capture, same alerts: the id depends only on what the alert is and when it began, so
    // sensor workers that each raise part of a capture name an alert as one manager would
    // (replay/worker-replay.ts raises their inputs again and their evidence may cite these ids).
    const id = createHash('sha256').update(`${key}|${input.ts}`).digest('hex').slice(0, 16);
    const alert: Alert = {
      id, ts: t, rule: input.rule, severity: input.severity ?? this.cfg.severity[input.rule] ?? RULES[input.rule][0],
      device: input.device, src: input.src, dst: input.dst, proto: input.proto, sport: input.sport, dport: input.dport,
      communityId: input.communityId ?? null, count: n, message: this.renderer?.(input) ?? input.message, evidence: structuredClone(input.evidence), firstTs: t, lastTs: t,
    };
    if (input.sni) alert.sni = input.sni;
    if (input.ja4) alert.ja4 = input.ja4;
    // Persisted before anything else sees it (DESIGN: alerts are persisted before they are sent).
    this.store?.insert(alert, peer);
    const o: Open = { alert, lastTs: input.ts, dirty: false };
    this.open.set(key, o);
    if (this.keepRaised) this.raised.push(alert);
    for (const l of this.listeners) l(alert, true);
    return o;
  }
}

