// The MUD URL's authority: what RFC 8520 §8 `manufacturer` and `same-manufacturer` compare.

/** Lower-case host (no final dot) of an http(s) MUD URL, or undefined when it has none. */
export function mudUrlAuthority(url: string): string | undefined {
  try {
    const u = new URL(url);
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.hostname === '') return undefined;
    return u.hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return undefined;
  }
}
