// The live capture's losses as the daemon sees them: once a second the capture's cumulative counters
// (libpcap's pcap_stats plus the capture thread's ring) are compared with the previous sample. When
// the drops rose, `sensor.capture-loss` is raised (at most once a minute per interface; the alert
// manager folds the repeats into one alert's count) and a `capture.stats` log line is written at
// once; otherwise that line comes once a minute. Health reads "degraded" for a minute after a rise.
import type { AlertManager } from '../alerts/alert-manager.js';
import type { CaptureStats } from '../capture/pcap-binding.js';
import type { EventLog } from '../common/event-log.js';

/**
 * The live capture's counters since open as the daemon samples them: libpcap's and the capture
 * thread's (kernel, interface and ring drops, frames captured) and, with `capture.workers`, the
 * frames dropped at a full worker ring.
 */
export interface CaptureSample extends CaptureStats {
  workerDropped?: number;
}

/** Seconds between two `sensor.capture-loss` alerts for one interface. */
export const CAPTURE_LOSS_ALERT_SECONDS = 60;
/** Seconds between two routine `capture.stats` log lines. */
export const CAPTURE_STATS_LOG_SECONDS = 60;
/** How long after the drops last rose the loss counts as rising (health "degraded"), seconds. */
export const CAPTURE_LOSS_RISING_SECONDS = 60;

/** Options of a {@link CaptureLossWatch}; the intervals default to the constants above. */
export interface CaptureLossOptions {
  /** Interface name: the alert's peer and the log's `interface`. */
  interface: string;
  alerts: Pick<AlertManager, 'raise'>;
  log: EventLog;
  /** Seconds between two alerts. Default 60. */
  alertSeconds?: number;
  /** Seconds between two routine log lines. Default 60. */
  logSeconds?: number;
  /** Seconds a rise keeps the loss "rising". Default 60. */
  risingSeconds?: number;
}

/** Packets lost and packets that reached the interface, from one sample. */
interface Totals {
  lost: number;
  seen: number;
}

const NONE: Totals = Object.freeze({ lost: 0, seen: 0 });

/**
 * Packets lost and packets that reached the interface. `received` already holds the kernel's
 * drops (and the ring's and the workers', which come after the kernel); interface drops never
 * reached libpcap, so they are added to it.
 */
function totals(s: CaptureSample): Totals {
  const lost = s.kernelDropped + s.ifDropped + s.ringDropped + (s.workerDropped ?? 0);
  return { lost, seen: Math.max(s.received + s.ifDropped, lost) };
}

/** `lost` as a percentage of `seen`, two decimals; 0 when nothing was seen. */
function percent(lost: number, seen: number): number {
  return seen > 0 ? Math.round((lost / seen) * 10000) / 100 : 0;
}

/** Loss since the capture opened, % of the packets that reached the interface (two decimals). */
export function lossPercent(s: CaptureSample): number {
  const t = totals(s);
  return percent(t.lost, t.seen);
}

const fmt = (n: number): string => n.toLocaleString('en-US');

/** Watches one interface's capture counters; `check()` once a second with the current sample. */
export class CaptureLossWatch {
  readonly interface: string;
  private readonly alertUs: number;
  private readonly logUs: number;
  private readonly risingUs: number;
  /** The previous sample's totals (counters are cumulative since open, so the first compares with 0). */
  private prev: Totals = NONE;
  private prevRaw: CaptureSample | null = null;
  /** Time of the first sample, µs (the start of the first alert's interval). */
  private startUs = -1;
  private lastRiseUs = -Infinity;
  private lastAlertUs = -Infinity;
  private lastLogUs = -Infinity;
  /** Totals and time at the last alert and the last log line: the start of the next one's interval. */
  private alertBase: Totals = NONE;
  private alertBaseUs = -1;
  private logBase: Totals = NONE;
  private logBaseUs = -1;
  /** Alerts raised so far (tests and the log read it). */
  alertsRaised = 0;

  constructor(private readonly opts: CaptureLossOptions) {
    this.interface = opts.interface;
    this.alertUs = (opts.alertSeconds ?? CAPTURE_LOSS_ALERT_SECONDS) * 1e6;
    this.logUs = (opts.logSeconds ?? CAPTURE_STATS_LOG_SECONDS) * 1e6;
    this.risingUs = (opts.risingSeconds ?? CAPTURE_LOSS_RISING_SECONDS) * 1e6;
  }

  /** True while the drops rose within the last `risingSeconds` before `nowUs`. */
  lossRising(nowUs: number): boolean {
    return nowUs - this.lastRiseUs < this.risingUs;
  }

  /** One sample of the capture's counters at `nowUs` (the source's clock, µs). */
  check(stats: CaptureSample, nowUs: number): void {
    const cur = totals(stats);
    const raw = this.prevRaw;
    // A counter that went back belongs to a new capture handle (the source was reopened): its
    // counts start from zero again, and so do the intervals.
    if (raw !== null && (stats.received < raw.received || stats.kernelDropped < raw.kernelDropped || stats.ifDropped < raw.ifDropped
      || stats.ringDropped < raw.ringDropped || stats.captured < raw.captured || cur.lost < this.prev.lost)) {
      this.prev = NONE;
      this.alertBase = NONE;
      this.logBase = NONE;
      this.alertBaseUs = this.logBaseUs = this.startUs = nowUs;
    }
    if (this.startUs < 0) this.startUs = this.alertBaseUs = this.logBaseUs = nowUs;
    const rose = cur.lost > this.prev.lost;
    this.prev = cur;
    this.prevRaw = { ...stats };
    let logNow = nowUs - this.lastLogUs >= this.logUs;
    if (rose) {
      this.lastRiseUs = nowUs;
      if (nowUs - this.lastAlertUs >= this.alertUs) {
        this.raise(stats, cur, nowUs);
        // The rise is logged at once (an alert is due at every onset: a rise after a quiet minute).
        logNow = true;
      }
    }
    if (logNow) this.writeLog(stats, cur, nowUs);
  }

  private raise(s: CaptureSample, cur: Totals, nowUs: number): void {
    const iface = this.interface;
    const dLost = cur.lost - this.alertBase.lost;
    const dSeen = cur.seen - this.alertBase.seen;
    const seconds = Math.round((nowUs - this.alertBaseUs) / 1e6);
    const first = this.lastAlertUs === -Infinity;
    this.lastAlertUs = nowUs;
    this.alertBase = cur;
    this.alertBaseUs = nowUs;
    this.alertsRaised++;
    const total = `${fmt(cur.lost)} of ${fmt(cur.seen)} packets since the capture opened (${percent(cur.lost, cur.seen)} %)`;
    const recent = first ? total : `${fmt(dLost)} of ${fmt(dSeen)} packets in the last ${seconds} s (${percent(dLost, dSeen)} %), ${total}`;
    const parts = [`kernel buffer ${fmt(s.kernelDropped)}`, `interface ${fmt(s.ifDropped)}`, `capture ring ${fmt(s.ringDropped)}`];
    if ((s.workerDropped ?? 0) > 0) parts.push(`workers ${fmt(s.workerDropped!)}`);
    this.opts.alerts.raise({
      rule: 'sensor.capture-loss', ts: nowUs, device: null, src: '', dst: '', proto: '', sport: null, dport: null, peer: iface,
      message: `capture on ${iface} lost ${recent} (${parts.join(', ')}): detection is blind to them; `
        + 'raise capture.bufferSize (kernel drops) or capture.workers (ring drops), and check the CPU load',
      evidence: {
        interface: iface, ...counts(s), lost: cur.lost, lossPercent: percent(cur.lost, cur.seen),
        interval: { seconds, lost: dLost, seen: dSeen, lossPercent: percent(dLost, dSeen) },
      },
    });
  }

  private writeLog(s: CaptureSample, cur: Totals, nowUs: number): void {
    const dLost = cur.lost - this.logBase.lost;
    const dSeen = cur.seen - this.logBase.seen;
    this.opts.log('capture.stats', {
      interface: this.interface, ...counts(s), lost: cur.lost, lossPercent: percent(cur.lost, cur.seen),
      intervalSeconds: Math.round((nowUs - this.logBaseUs) / 1e6), intervalLost: dLost, intervalSeen: dSeen,
      rising: this.lossRising(nowUs),
    });
    this.lastLogUs = nowUs;
    this.logBase = cur;
    this.logBaseUs = nowUs;
  }
}

/** The counters of a sample, field by field (`workerDropped` only when there is a worker pool). */
function counts(s: CaptureSample): Record<string, number> {
  const out: Record<string, number> = {
    received: s.received, kernelDropped: s.kernelDropped, ifDropped: s.ifDropped, ringDropped: s.ringDropped,
    captured: s.captured, capturedBytes: s.capturedBytes,
  };
  if ((s.workerDropped ?? 0) > 0) out.workerDropped = s.workerDropped!;
  return out;
}
