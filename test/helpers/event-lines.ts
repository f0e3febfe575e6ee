// The daemon's log as the process tests read it: one JSON object per stdout line, each pushed as it
// arrives; a line that is not JSON is kept as `(not JSON)` so a test failure shows it.
import type { Readable } from 'node:stream';

/** One logged event. */
export type LoggedEvent = Record<string, unknown> & { event: string };

/** Pushes every line `stream` writes, parsed, onto `into` (lines split across chunks are joined). */
export function collectEventLines(stream: Readable, into: LoggedEvent[]): void {
  let buf = '';
  stream.on('data', (x: Buffer) => {
    buf += x.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        into.push(JSON.parse(line) as LoggedEvent);
      } catch {
        into.push({ event: '(not JSON)', line });
      }
    }
  });
}
