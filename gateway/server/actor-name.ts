// Who did a write, as the stores keep it (triage, incident state, suppressions, response actions):
// the token's name and public id, never the token itself.
import type { AuthInfo } from './api-context.js';

/** "name (tokenId)", or the token id alone when the token has no name. */
export function actorName(by: Pick<AuthInfo, 'name' | 'tokenId'>): string {
  return by.name ? `${by.name} (${by.tokenId})` : by.tokenId;
}
