// A one-line progress bar on stderr, drawn only when stderr is a terminal, at most ten times a second.

export class Progress {
  private last = 0;
  private readonly started = Date.now();
  private drawn = false;

  constructor(private readonly total: number | undefined, private readonly enabled: boolean) {}

  /** Redraws for `done` bytes and `packets` so far. */
  update(done: number, packets: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const rate = `${(packets / secs / 1e6).toFixed(2)} Mpkt/s`;
    let line: string;
    if (this.total) {
      const frac = Math.min(1, done / this.total);
      const width = 30;
      const fill = Math.round(frac * width);
      line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${packets} packets  ${rate}`;
    } else line = `${packets} packets  ${rate}`;
    process.stderr.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  /** Clears the line. */
  end(): void {
    if (this.drawn) process.stderr.write('\r\x1b[K');
  }
}
