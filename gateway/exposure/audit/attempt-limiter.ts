// The audit's one rate limit: every login attempt and every probe request, of every device and
// service together, waits for its turn here, at most `perSecond` turns a second and no burst (an
// IoT device that falls over under a handful of logins a second is exactly the kind being audited).
// Stopping it (the daemon stopping mid-audit) refuses every turn, waiting or to come.

/** A turn refused because the audit was stopped. */
export class AuditStoppedError extends Error {
  readonly code = 'audit.stopped';
  constructor() {
    super('the audit was stopped');
    this.name = 'AuditStoppedError';
  }
}

/** Hands out turns `1000 / perSecond` ms apart, in the order they were asked for. */
export class AttemptLimiter {
  private readonly intervalMs: number;
  /** When the next turn may start, ms (Date.now time). */
  private next = 0;
  private readonly waiting = new Set<{ timer: NodeJS.Timeout; reject: (e: Error) => void }>();
  private stopped = false;
  /** Turns handed out. */
  taken = 0;

  constructor(perSecond: number, private readonly now: () => number = Date.now) {
    if (!(perSecond > 0)) throw new RangeError('audit.attemptsPerSecond must be more than 0');
    this.intervalMs = 1000 / perSecond;
  }

  /** Resolves when the caller may make its attempt; rejects with AuditStoppedError once stopped. */
  take(): Promise<void> {
    if (this.stopped) return Promise.reject(new AuditStoppedError());
    const t = this.now();
    const at = Math.max(t, this.next);
    this.next = at + this.intervalMs;
    this.taken++;
    const wait = at - t;
    if (wait <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { timer: setTimeout(() => { this.waiting.delete(w); resolve(); }, wait), reject };
      this.waiting.add(w);
    });
  }

  /** Refuses every turn from now on, the waiting ones too. */
  stop(): void {
    this.stopped = true;
    for (const w of this.waiting) {
      clearTimeout(w.timer);
      w.reject(new AuditStoppedError());
    }
    this.waiting.clear();
  }

  get isStopped(): boolean {
    return this.stopped;
  }
}
