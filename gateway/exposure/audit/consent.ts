// Who agreed to be audited: the config's `audit.consent` and, for `edgeward audit --consent-file`, a
// file of one MAC address a line (`#` starts a comment). A line that is not a MAC is an error that
// names the line, never skipped: a typo must not silently leave a device out, nor put one in.
import { macToString, parseMac } from '../../common/address-text.js';

/** A consent file that does not parse: each bad line, with its number. */
export class ConsentFileError extends Error {
  readonly code = 'audit.consent-file';
  constructor(readonly path: string, readonly problems: string[]) {
    super(`${path}: ${problems.join('; ')}`);
    this.name = 'ConsentFileError';
  }
}

/** The MACs of a consent file's text, canonical and once each, in file order; throws ConsentFileError. */
export function parseConsentFile(text: string, path: string): string[] {
  const out: string[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line === '') return;
    const n = parseMac(line);
    // The line is shown cut short: a consent file is the operator's, but a stray paste can be long.
    if (n < 0) problems.push(`line ${i + 1}: "${line.length > 40 ? `${line.slice(0, 40)}…` : line}" is not a MAC address`);
    else if (!out.includes(macToString(n))) out.push(macToString(n));
  });
  if (problems.length > 0) throw new ConsentFileError(path, problems);
  return out;
}

/** The consenting devices: the config's list and the file's, canonical. */
export function consentOf(configured: readonly string[], fromFile: readonly string[] = []): ReadonlySet<string> {
  const out = new Set<string>();
  for (const m of [...configured, ...fromFile]) {
    const n = parseMac(m);
    if (n >= 0) out.add(macToString(n));
  }
  return out;
}
