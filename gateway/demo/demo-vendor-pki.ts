// The demo's vendor PKI (policies/profiles/demo-pki/, made once by its make.sh): the CA of "Example
// Home", which the daemon trusts for the demo's MUD domain while, and only while, it runs the demo.
// Its private keys are published: this trust must never outlive the demo.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScopedSigner } from '../../policies/index.js';

/** The MUD domain of the demo's profiles (policies/profiles/*.json). */
export const DEMO_MUD_DOMAIN = 'mud.example.com';

/** The demo PKI folder under the package root. */
export function demoPkiDir(root: string): string {
  return join(root, 'policies', 'profiles', 'demo-pki');
}

/** The demo vendor CA as a trusted signer for {@link DEMO_MUD_DOMAIN}; empty when the file is missing. */
export function demoTrustedSigners(root: string): ScopedSigner[] {
  const file = join(demoPkiDir(root), 'demo-vendor-ca.pem');
  if (!existsSync(file)) return [];
  return [{ id: 'demo-vendor-ca', vendor: DEMO_MUD_DOMAIN, certificate: readFileSync(file, 'utf8') }];
}
