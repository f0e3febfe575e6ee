// The compiled hook calls of the bus (gateway/sensor/hook-calls.ts): every plug-in called in order
// with the hook's arguments, a throw contained to its plug-in, timed rounds billed to each entry, and
// the same behaviour from the loop a runtime without code generation from strings falls back to.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileHookCalls, type HookTarget } from '../../gateway/sensor/hook-calls.js';

interface Entry extends HookTarget { name: string }

function entries(log: string[], throwing: string): Entry[] {
  return ['a', 'b', 'c'].map((name) => ({
    name, ns: 0,
    p: {
      onFlowEnd(f: unknown) {
        log.push(`${name}:${String((f as { id: number }).id)}`);
        if (name === throwing) throw new Error(`${name} fails`);
        // Busy for a measurable moment, so a timed round has something to bill.
        const until = performance.now() + 0.2;
        while (performance.now() < until) { /* spin */ }
      },
    },
  }));
}

describe('compiled hook calls', () => {
  it('call every plug-in in order; a throw reaches the fault callback and the next plug-in still runs', () => {
    const log: string[] = [];
    const faults: string[] = [];
    const list = entries(log, 'b');
    const run = compileHookCalls('onFlowEnd', list, (e, hook, err) => faults.push(`${e.name}/${hook}/${(err as Error).message}`))!;
    (run as (f: unknown) => void)({ id: 7 });
    (run as (f: unknown) => void)({ id: 8 });
    expect(log).toEqual(['a:7', 'b:7', 'c:7', 'a:8', 'b:8', 'c:8']);
    expect(faults).toEqual(['b/onFlowEnd/b fails', 'b/onFlowEnd/b fails']);
    expect(list.every((e) => e.ns === 0)).toBe(true);
  });

  it('a timed round bills each call to its own entry, scaled', () => {
    const log: string[] = [];
    const list = entries(log, '');
    const timed = compileHookCalls('onFlowEnd', list, () => { throw new Error('no fault expected'); }, { timerMs: 0, scale: 1e6 })!;
    (timed as (f: unknown) => void)({ id: 1 });
    expect(log).toEqual(['a:1', 'b:1', 'c:1']);
    // 0.2 ms spun in each call, ×1e6 ns/ms.
    for (const e of list) expect(e.ns).toBeGreaterThanOrEqual(0.2e6);
  });

  it('no list, no function', () => {
    expect(compileHookCalls('onPacket', [], () => undefined)).toBeNull();
  });

  it('with code generation from strings forbidden, the loop does the same', () => {
    const mod = resolve('dist/gateway/sensor/hook-calls.js');
    const script = `
      const { compileHookCalls } = await import(${JSON.stringify(mod)});
      const log = [], faults = [];
      const list = ['a', 'b', 'c'].map((name) => ({ name, ns: 0, p: { onPacket(pv, flow, dir, dev) {
        log.push(name + ':' + pv + flow + dir + dev); if (name === 'a') throw new Error('a fails'); } } }));
      compileHookCalls('onPacket', list, (e) => faults.push(e.name))(1, 2, 3, 4);
      let evalWorks = true; try { new Function('return 1'); } catch { evalWorks = false; }
      console.log(JSON.stringify({ log, faults, evalWorks }));`;
    const r = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ log: ['a:1234', 'b:1234', 'c:1234'], faults: ['a'], evalWorks: false });
  });
});
