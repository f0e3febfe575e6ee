// The life of the findings a scan-like detector holds open (scanPort, scanHost, scanIcmp, scanArp,
// bruteforce): an alert when one opens, another with the evidence each time it has doubled, a
// last one when it closes if it changed since (count 0: the evidence only), and closing when it
// has been quiet for its window, when its entry is evicted, and at the end of input. The
// detector says what a finding's size and evidence are and what its entry drops on closing.
import type { AlertInput } from '../alerts/alert.js';
import type { PluginHost } from '../sensor/plugin.js';

/** The part of a finding this lifecycle keeps. */
export interface ReportedFinding {
  /** The alert fields that do not change (rule, device, addresses, message). */
  base: Omit<AlertInput, 'ts' | 'evidence' | 'count'>;
  /** Packet time of its latest evidence, µs: the time of its reports. */
  lastTs: number;
  /** Changed since it was last reported. */
  dirty: boolean;
  /** The size at which it is reported again: twice its size at the last report. */
  nextReport: number;
}

/** What a detector tells about its findings. */
export interface FindingKind<E, F extends ReportedFinding> {
  /** The entry's open finding, or null. */
  finding(e: E): F | null;
  /** How big the finding is (hosts, ports, attempts): reports come at each doubling. */
  size(f: F): number;
  evidence(f: F): Record<string, unknown>;
  /** Takes the closed finding off its entry and clears what the entry counted for it. */
  closed(e: E): void;
}

export class OpenFindings<E, F extends ReportedFinding> {
  private readonly open = new Set<E>();

  constructor(private readonly host: PluginHost, private readonly kind: FindingKind<E, F>) {}

  /** Findings open now. */
  get size(): number {
    return this.open.size;
  }

  /** The entries holding an open finding. */
  entries(): IterableIterator<E> {
    return this.open.values();
  }

  /** `e` now holds a new finding: its first alert. */
  opened(e: E): void {
    this.open.add(e);
    this.report(this.kind.finding(e)!, 1);
  }

  /** The finding grew (one more host, port, attempt): reported again once it has doubled. */
  grew(f: F): void {
    f.dirty = true;
    if (this.kind.size(f) >= f.nextReport) this.report(f, 0);
  }

  /** Closes the entry's finding, if any, with a last report when it changed since the previous one. */
  close(e: E): void {
    const f = this.kind.finding(e);
    if (f === null) return;
    if (f.dirty) this.report(f, 0);
    this.open.delete(e);
    this.kind.closed(e);
  }

  /** Closes every open finding `stale` says has ended (the detectors' once-a-second sweep). */
  closeWhere(stale: (f: F) => boolean): void {
    if (this.open.size === 0) return;
    for (const e of [...this.open]) if (stale(this.kind.finding(e)!)) this.close(e);
  }

  /** End of input: every finding closes. */
  closeAll(): void {
    for (const e of [...this.open]) this.close(e);
  }

  private report(f: F, count: number): void {
    f.dirty = false;
    f.nextReport = this.kind.size(f) * 2;
    this.host.emit({ ...f.base, ts: f.lastTs, count, evidence: this.kind.evidence(f) });
  }
}
