// Whom the gateway believes about MUD files: the config's trust anchors (fetch.trustAnchors, for any
// MUD URL), the trusted signers of the database (`edgeward trust add`, each for one vendor domain),
// and signers the running mode adds (the demo's vendor CA while the demo runs). Uploads and fetches
// both check signatures here.
import { verifyMudSignatureScoped, type ScopedSignatureResult, type ScopedSigner } from '../../policies/index.js';
import { vendorOwns } from '../auth/vendor-domain.js';
import type { TrustedSigners } from './trusted-signers.js';

export class MudTrust {
  /**
   * @param anchors PEM text of the config's trust anchors (trusted for every MUD URL)
   * @param store the database's trusted signers, read at every check (a CLI change applies at once)
   * @param extra signers trusted while this process runs, never stored (the demo vendor CA)
   */
  constructor(
    private readonly anchors: readonly string[],
    private readonly store: TrustedSigners | null,
    private readonly extra: readonly ScopedSigner[] = [],
  ) {}

  /** Whether anything at all is trusted now. */
  get empty(): boolean {
    return this.anchors.length === 0 && this.extra.length === 0 && (this.store?.scoped().length ?? 0) === 0;
  }

  /** Checks the detached signature of the MUD file at `mudUrl` (its own mud-url); see verifyMudSignatureScoped. */
  verify(content: Buffer, signature: Buffer, mudUrl: string, at?: Date): Promise<ScopedSignatureResult> {
    return verifyMudSignatureScoped(content, signature, {
      trustAnchors: this.anchors, signers: [...this.extra, ...(this.store?.scoped() ?? [])], mudUrl, owns: vendorOwns, ...(at && { at }),
    });
  }
}
