// The set elements the enforcer has written (device addresses, DNS answers), remembered so that a
// table replaced whole (profile change, restart) gets them back; bounded, expired ones pruned.

/** Outcome of {@link ElementMemory.remember}. */
export type RememberResult = 'added' | 'extended' | 'unchanged' | 'full';

/** Set name → address → expiry (ms since the epoch; 0 = permanent), at most `max` addresses. */
export class ElementMemory {
  private readonly sets = new Map<string, Map<string, number>>();
  private count = 0;

  /** @param max most addresses held (all sets together); past it new ones are refused. */
  constructor(private readonly max: number) {}

  /** Addresses held, expired ones included until pruned. */
  get size(): number {
    return this.count;
  }

  /** The expiry of an address (0 permanent), or undefined when not held. */
  expiry(set: string, address: string): number | undefined {
    return this.sets.get(set)?.get(address);
  }

  /**
   * Holds an address until `expires` (0: for good). An address already held keeps the later of the
   * two expiries ('unchanged' when that is the old one). 'full' when `max` is reached even after
   * pruning at `now`.
   */
  remember(set: string, address: string, expires: number, now: number): RememberResult {
    let bySet = this.sets.get(set);
    const old = bySet?.get(address);
    if (old !== undefined) {
      if (old === 0 || (expires !== 0 && old >= expires)) return 'unchanged';
      bySet!.set(address, expires);
      return 'extended';
    }
    if (this.count >= this.max) this.prune(now);
    if (this.count >= this.max) return 'full';
    if (!bySet) this.sets.set(set, (bySet = new Map<string, number>()));
    bySet.set(address, expires);
    this.count++;
    return 'added';
  }

  /** Forgets an address; true when it was held. */
  forget(set: string, address: string): boolean {
    const bySet = this.sets.get(set);
    if (!bySet?.delete(address)) return false;
    if (bySet.size === 0) this.sets.delete(set);
    this.count--;
    return true;
  }

  /** Forgets every address expired at `now` (the kernel has removed them already). */
  prune(now: number): void {
    for (const [set, bySet] of this.sets) {
      for (const [address, expires] of bySet) {
        if (expires !== 0 && expires <= now) { bySet.delete(address); this.count--; }
      }
      if (bySet.size === 0) this.sets.delete(set);
    }
  }

  /** The addresses held in `set` with their expiries. */
  *entries(set: string): IterableIterator<[string, number]> {
    const bySet = this.sets.get(set);
    if (bySet) yield* bySet;
  }
}
