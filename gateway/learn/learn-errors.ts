// The profile learner's errors: one registry of stable codes (tests assert the code, never the
// message), and the error class that carries one. The API maps `learn.not-learned` to a 404.

/** Error codes of the learner, each with what it means. */
export const LEARN_ERRORS = Object.freeze({
  /** profileFor() of a MAC the learner does not watch (not in `policy.learn`, not given to `mud learn`). */
  'learn.not-learned': 'the device is not being learned',
  /** A MAC that does not parse (devices list, watch()). */
  'learn.bad-mac': 'not a MAC address',
});

/** A stable code of {@link LEARN_ERRORS}. */
export type LearnErrorCode = keyof typeof LEARN_ERRORS;

/** A learner error with a stable code. */
export class LearnError extends Error {
  constructor(readonly code: LearnErrorCode, message: string) {
    super(message);
    this.name = 'LearnError';
  }
}
