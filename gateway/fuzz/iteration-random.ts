// One independent random stream per (seed, target, iteration), so that any single input of a run
// can be generated again on its own: after a hang, to write the reproducer, or to replay one input.
import { SeededRandom } from '../synth/seeded-random.js';

/** FNV-1a of a name: a target's stream number. */
export function nameHash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The murmur3 32-bit finalizer: spreads nearby inputs (iteration i, i+1) over the whole range. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The generator for one input: a pure function of the run's seed, the target and the iteration. */
export function iterationRandom(seed: number, target: string, iteration: number): SeededRandom {
  const s = mix32(mix32(seed >>> 0 ^ nameHash(target)) + Math.imul(iteration, 0x9e3779b1));
  return new SeededRandom(s);
}

/** One element of a non-empty list. */
export function pick<T>(rng: SeededRandom, list: readonly T[]): T {
  return list[Math.floor(rng.next() * list.length)]!;
}

/** True with probability p. */
export function chance(rng: SeededRandom, p: number): boolean {
  return rng.next() < p;
}
