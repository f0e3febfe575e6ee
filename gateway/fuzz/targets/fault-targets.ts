// Deliberately broken targets, never in the default set: they prove that the fuzzer reports what it
// is meant to (a thrown exception, an input that never returns, a slow input) with a reproducer.
// About one input in fifty starts with the trigger byte 0x2a; those break the target.
import type { SeededRandom } from '../../synth/seeded-random.js';
import type { FuzzTarget } from '../fuzz-target.js';
import { chance } from '../iteration-random.js';

/** The first byte that makes a fault target fail. */
export const FAULT_TRIGGER = 0x2a;

/** Inputs of 1..8 bytes; about 2% open with the trigger. */
function faultInputs(rng: SeededRandom): Buffer {
  const b = rng.bytes(rng.int(1, 8));
  if (chance(rng, 0.02)) b[0] = FAULT_TRIGGER;
  else if (b[0] === FAULT_TRIGGER) b[0] = 0;
  return b;
}

function faultTarget(name: string, description: string, fault: () => void): FuzzTarget {
  return {
    name, description, ext: 'bin',
    generator: () => faultInputs,
    open: () => ({ run(input: Buffer): void { if (input[0] === FAULT_TRIGGER) fault(); } }),
  };
}

/** Busy-waits `ms` milliseconds (a slow input, not a sleep: the thread is really busy). */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
}

export const FAULT_TARGETS: readonly FuzzTarget[] = [
  faultTarget('fault-throw', 'test double: throws a TypeError on inputs that open with 0x2a', () => {
    throw new TypeError('injected fault: input opens with 0x2a');
  }),
  faultTarget('fault-hang', 'test double: never returns on inputs that open with 0x2a', () => {
    for (;;) spin(1000);
  }),
  faultTarget('fault-slow', 'test double: takes 400 ms on inputs that open with 0x2a', () => spin(400)),
];
