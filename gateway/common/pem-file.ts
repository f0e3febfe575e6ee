// A PEM file named in a config (a CA bundle, a certificate, a private key) looked at when the config
// is loaded, so that a wrong path is one clear error at start rather than a client that retries a
// connection forever with "ENOENT" in its health. The file's content is never echoed (a key).

import { readFileSync } from 'node:fs';

/** Why the PEM file at `path` cannot serve as `what` (the config path), or null when it can. */
export function pemFileProblem(path: string, what: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return `${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  return /-----BEGIN [A-Z0-9 ]+-----/.test(text) ? null : `${what}: ${path} is not a PEM file (no "-----BEGIN …-----" line)`;
}
