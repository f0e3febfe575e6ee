// A hub's site filter (the alert feed's, the devices page's): "Any site", then the sites heard of so
// far in name order, grown as lists name more, keeping what is chosen.
import { h } from '../ui/element';

/** Adds `sites` to `known` and, when one is new, rebuilds `select`'s options (its value kept). */
export function learnSiteOptions(select: HTMLSelectElement, known: Set<string>, sites: Iterable<string>): void {
  let added = false;
  for (const s of sites) if (!known.has(s)) { known.add(s); added = true; }
  if (!added) return;
  const value = select.value;
  select.replaceChildren(h('option', { value: 'all' }, 'Any site'), ...[...known].sort().map((s) => h('option', { value: s }, s)));
  select.value = value;
}
