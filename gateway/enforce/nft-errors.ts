// The enforcer's errors: one registry of stable codes (asserted by tests, never the message text),
// and the error class that carries a code and what nft wrote on stderr.

/** Error codes of the enforcer, each with what it means. */
export const ENFORCE_ERRORS = Object.freeze({
  /** nft refused a transaction, could not be run, or timed out; nothing of that transaction was applied. */
  'enforce.nft_failed': 'nft refused or could not run a transaction; nothing of it was applied',
  /** nft refused some set elements; they were dropped from memory and the rest was applied. */
  'enforce.element_refused': 'nft refused some set elements; they were dropped, the others applied',
  /** The options cannot work (e.g. a heartbeat slower than the liveness timeout). */
  'enforce.bad_options': 'the enforcer options are inconsistent',
});

/** A stable code of {@link ENFORCE_ERRORS}. */
export type EnforceErrorCode = keyof typeof ENFORCE_ERRORS;

/** An enforcer error: a stable code, and nft's own stderr when nft said something. */
export class NftError extends Error {
  constructor(readonly code: EnforceErrorCode, message: string, readonly stderr = '') {
    super(message);
    this.name = 'NftError';
  }
}

