// Settings of alert suppression (config section `suppressions`): how long a suppression may last,
// how many may be active at once, and how many suppressed occurrences are kept to be listed.

/** Settings of `suppressions`. All are read at start. */
export interface SuppressionsConfig {
  /**
   * Longest a suppression may last from its creation, seconds: a silenced scope must come back on
   * its own, so a forgotten suppression cannot hide a device for good. Default 2592000 (30 days).
   */
  maxExpirySeconds: number;
  /**
   * Suppressions active at once; creating one more is refused (`suppression.limit`). Every alert
   * input is checked against the active ones, so this also bounds the packet path's cost. Default 1000.
   */
  maxActive: number;
  /**
   * Suppressed occurrences kept in `suppressed_alerts` (all suppressions together) to be listed;
   * beyond it the oldest are deleted. The per-suppression counts are kept regardless. Default 10000.
   */
  hitsKept: number;
}

export const SUPPRESSIONS_DEFAULTS: Readonly<SuppressionsConfig> = Object.freeze({ maxExpirySeconds: 30 * 86400, maxActive: 1000, hitsKept: 10000 });
