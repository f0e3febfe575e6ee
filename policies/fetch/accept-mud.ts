// The MUD parser as the fetcher's accept hook: a fetched file is kept only if it validates, and
// only if its own mud-url is the URL it was fetched from, so one vendor's server cannot hand out
// another device's profile under a different name (RFC 8520 §3.3 ties the file to its URL).
import { formatIssue } from '../mud/issues.js';
import { parseMud } from '../mud/parse-mud.js';
import type { AcceptResult } from './mud-fetcher.js';

/** Builds the accept hook for one MUD URL. */
export function acceptMudFor(url: string): (content: Buffer) => AcceptResult {
  return (content: Buffer): AcceptResult => {
    const r = parseMud(content.toString('utf8'));
    if (!r.ok) return { ok: false, reason: r.errors.map(formatIssue).join('; ') };
    if (r.profile.mudUrl !== url) return { ok: false, reason: `/ietf-mud:mud/mud-url: the file names ${r.profile.mudUrl}, but it was fetched from ${url}` };
    return { ok: true, cacheValidityHours: r.profile.cacheValidity, signatureUrl: r.profile.mudSignature };
  };
}
