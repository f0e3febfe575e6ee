// The daemon's log: one JSON object a line on stdout, `{ ts, event, ...fields }`, so operators and
// tests read the same thing. Never given secrets (tokens, keys): callers pass only public fields.

export type EventLog = (event: string, fields?: Record<string, unknown>) => void;

/** A log writing JSON lines through `write`. `ts` is wall-clock time, ISO-8601. */
export function jsonLinesLog(write: (line: string) => void): EventLog {
  return (event, fields = {}) => write(JSON.stringify({ ts: new Date().toISOString(), event, ...fields }) + '\n');
}
