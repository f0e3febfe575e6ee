// One hook's calls over a list of plug-ins, compiled into straight-line code: one call site per
// plug-in, each inside its own fault boundary.
//
// Why compile: a loop `for (e of list) e.p.onPacket(…)` has one call site for every plug-in, so V8
// sees a megamorphic property load and call there and can inline none of them; with twenty plug-ins
// that dispatch alone cost about 260 ns a packet on the bench capture (no-op plug-ins with the real
// ones' subscriptions), more than decoding. Here each site only ever sees one plug-in object, so the
// call is monomorphic and small hooks (an early return on the wrong protocol) are inlined.
//
// The source is built only from a fixed hook name and fixed parameter names (never from input or
// config); the plug-in objects are passed in as values. Code generation from strings must be allowed
// (it is by default; `--disallow-code-generation-from-strings` would make the bus fall back to loops).
import type { Plugin } from './plugin.js';

/** The hooks called with compiled code, and the parameters each takes. */
const PARAMS = {
  onPacket: 'pv, flow, dir, dev',
  onFlowStart: 'f',
  onFlowEnd: 'f',
  onApp: 'rec, pv, flow, dir',
} as const;

export type CompiledHook = keyof typeof PARAMS;

/** What a compiled list needs of an entry: its plug-in, and its cost counter (ns) for timed calls. */
export interface HookTarget {
  readonly p: Plugin;
  ns: number;
}

/**
 * Timing of a sampled round: each call's time, less `timerMs` (what reading the clock itself costs),
 * times `scale` (ms → ns, and one sampled call stands for `costSampleEvery` of them) is added to its
 * entry's `ns`.
 */
export interface HookClock {
  timerMs: number;
  scale: number;
}

/**
 * A function that calls `hook` on every plug-in of `list` in order, passing a throw to
 * `fault(entry, hook, err)` and going on with the next; with a `clock`, each call is timed too.
 * Null when the list is empty. Falls back to a loop when the runtime forbids code generation.
 */
export function compileHookCalls<E extends HookTarget>(
  hook: CompiledHook, list: readonly E[], fault: (e: E, hook: CompiledHook, err: unknown) => void, clock?: HookClock,
): ((...args: never[]) => void) | null {
  if (list.length === 0) return null;
  const args = PARAMS[hook];
  let src = '';
  for (let i = 0; i < list.length; i++) src += `const e${i} = list[${i}], p${i} = e${i}.p;\n`;
  src += `return function ${hook}${clock ? 'Timed' : ''}Calls(${args}) {\n`;
  // Timed: one clock reading ends a call's interval and starts the next one's.
  if (clock) src += '  let t0 = performance.now(), t1 = 0;\n';
  for (let i = 0; i < list.length; i++) {
    src += `  try { p${i}.${hook}(${args}); } catch (err) { fault(e${i}, '${hook}', err); }\n`;
    if (clock) src += `  t1 = performance.now(); e${i}.ns += Math.max(0, t1 - t0 - clock.timerMs) * clock.scale; t0 = t1;\n`;
  }
  src += '};';
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- fixed template, see the file comment
    const make = new Function('list', 'fault', 'clock', src) as (l: readonly E[], f: typeof fault, c: HookClock | undefined) => (...args: never[]) => void;
    return make(list, fault, clock);
  } catch {
    return loopCalls(hook, list, fault, clock);
  }
}

/** The same calls as a loop (a runtime that forbids code generation from strings). */
function loopCalls<E extends HookTarget>(
  hook: CompiledHook, list: readonly E[], fault: (e: E, hook: CompiledHook, err: unknown) => void, clock?: HookClock,
): (...args: never[]) => void {
  return (...args: never[]) => {
    for (const e of list) {
      const t0 = clock ? performance.now() : 0;
      try { (e.p[hook] as (...a: never[]) => void).apply(e.p, args); } catch (err) { fault(e, hook, err); }
      if (clock) e.ns += Math.max(0, performance.now() - t0 - clock.timerMs) * clock.scale;
    }
  };
}
