// Waiting on a condition instead of sleeping: a test polls what it watches (a log line, a count of
// events, a table's contents) with a generous deadline, so a loaded machine makes it slower, not
// flaky. A fixed sleep is only right for proving that something does NOT happen.

/**
 * Resolves once `cond()` is true, polling every `everyMs` (default 20 ms). Rejects when
 * `timeoutMs` passes first, with `what()` describing what was awaited and the state reached, or at
 * once when `cond` throws (a daemon that died need not be waited for).
 */
export async function until(cond: () => boolean | Promise<boolean>, what: () => string, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
