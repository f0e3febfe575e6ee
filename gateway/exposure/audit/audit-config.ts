// Settings of the opt-in exposure audit (config section `audit`): which devices consent to it, which
// default-credential lists it tries, and how gently it goes (a global attempt rate, timeouts, a cap
// of pairs per service). Nothing is ever audited that is not named here (or in --consent-file).
// All fixed at start; `edgeward audit` reads them at each run.
import { macToString, parseMac } from '../../common/address-text.js';
import { CREDENTIAL_LIST_NAMES } from '../default-credentials.js';

/** The audit (config `audit`). */
export interface AuditConfig {
  /**
   * MAC addresses of the devices whose owners agreed to be audited. Only these are ever connected
   * to. Default none: the audit does nothing until someone consents.
   */
  consent: string[];
  /** The bundled lists to try (gateway/exposure/default-credentials.ts), in their order. Default all. */
  lists: string[];
  /** Login attempts (and probe requests) per second over the whole audit, every device together. Default 2. */
  attemptsPerSecond: number;
  /** Pairs tried per service at most; 0 tries the whole of `lists`. Default 0. */
  maxAttempts: number;
  /** Deadline of one TCP connect, ms: past it the port counts as closed. Default 3000. */
  connectTimeoutMs: number;
  /**
   * Deadline of one answer (a prompt, a verdict, an HTTP response, an SSH handshake), ms. Default
   * 10000: BusyBox and util-linux login wait about 3 s after a refused password before the next prompt.
   */
  readTimeoutMs: number;
  /** Devices audited at the same time (the attempt rate stays global). Default 4. */
  concurrentDevices: number;
}

export const AUDIT_DEFAULTS: Readonly<AuditConfig> = Object.freeze({
  consent: Object.freeze([]) as unknown as string[],
  lists: Object.freeze([...CREDENTIAL_LIST_NAMES]) as unknown as string[],
  attemptsPerSecond: 2,
  maxAttempts: 0,
  connectTimeoutMs: 3000,
  readTimeoutMs: 10_000,
  concurrentDevices: 4,
});

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * The `audit` section past the key-by-key type check of the daemon's flat sections: consenting MACs
 * parse (and are kept in canonical form), lists exist, rates and counts are in range. Problems are
 * pushed with their path; the result is frozen.
 */
export function resolveAudit(raw: unknown, problems: string[]): Readonly<AuditConfig> {
  if (!isObj(raw)) return AUDIT_DEFAULTS;
  const merged = { ...AUDIT_DEFAULTS, ...raw };
  const consent: string[] = [];
  if (Array.isArray(raw.consent)) {
    raw.consent.forEach((m, i) => {
      if (typeof m !== 'string') return; // the type check has said so
      const n = parseMac(m);
      if (n < 0) problems.push(`audit.consent[${i}]: "${m}" is not a MAC address`);
      else if (!consent.includes(macToString(n))) consent.push(macToString(n));
    });
  }
  if (Array.isArray(raw.lists)) {
    if (raw.lists.length === 0) problems.push(`audit.lists: name at least one list (${CREDENTIAL_LIST_NAMES.join(', ')})`);
    raw.lists.forEach((l, i) => {
      if (typeof l === 'string' && !CREDENTIAL_LIST_NAMES.includes(l)) problems.push(`audit.lists[${i}]: unknown list "${l}" (known: ${CREDENTIAL_LIST_NAMES.join(', ')})`);
    });
  }
  const positive = (key: keyof AuditConfig, integer: boolean, min: number): void => {
    const v = raw[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) return; // the type check has said so
    if (v < min || (integer && !Number.isInteger(v))) problems.push(`audit.${key}: must be ${integer ? 'an integer' : 'a number'} of at least ${min}`);
  };
  positive('maxAttempts', true, 0);
  positive('concurrentDevices', true, 1);
  positive('connectTimeoutMs', false, 1);
  positive('readTimeoutMs', false, 1);
  if (typeof raw.attemptsPerSecond === 'number' && !(raw.attemptsPerSecond > 0)) problems.push('audit.attemptsPerSecond: must be more than 0');
  return Object.freeze({ ...merged, consent: Object.freeze(consent) as unknown as string[], lists: Object.freeze([...merged.lists]) as unknown as string[] });
}
