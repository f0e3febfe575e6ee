// The alert manager of a replay with its outputs: the SQLite store and the EVE file when asked,
// and at the end the EVE lines of alerts that folded more occurrences after they were first
// written, and every alert in order of first occurrence. One for `replayCapture` and for the
// thread that merges sensor workers (replay/worker-replay.ts).
import { ALERTS_DEFAULTS, AlertManager, type AlertsConfig } from '../alerts/alert-manager.js';
import { AlertStore } from '../alerts/alert-store.js';
import type { Alert } from '../alerts/alert.js';
import { EveWriter } from '../alerts/eve-writer.js';
import type { DecodeCounters } from '../common/events.js';

export class ReplayAlerts {
  readonly manager: AlertManager;
  private readonly store: AlertStore | null;
  private readonly eve: EveWriter | null;
  /** Alert id → the count its EVE line was written with. */
  private readonly written = new Map<string, number>();

  constructor(cfg: Partial<AlertsConfig> | undefined, dbPath: string | undefined, evePath: string | undefined, counters?: DecodeCounters) {
    this.store = dbPath ? new AlertStore(dbPath) : null;
    this.eve = evePath ? new EveWriter(evePath) : null;
    this.manager = new AlertManager({ ...ALERTS_DEFAULTS, ...cfg }, this.store, true, counters);
    const eve = this.eve;
    if (eve !== null) {
      this.manager.addListener((a, isNew) => {
        if (!isNew) return;
        eve.write(a);
        this.written.set(a.id, a.count);
      });
    }
  }

  /** Pending writes out, a final EVE line for every alert that folded more since its first; every alert by first occurrence. */
  finish(): Alert[] {
    this.manager.flush();
    const all = this.manager.all();
    if (this.eve !== null) for (const a of all) if ((this.written.get(a.id) ?? 0) !== a.count) this.eve.write(a);
    return [...all].sort((x, y) => (x.firstTs < y.firstTs ? -1 : x.firstTs > y.firstTs ? 1 : 0));
  }

  close(): void {
    this.eve?.close();
    this.store?.close();
  }
}
