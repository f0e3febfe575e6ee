// Every app module over every truncation length of its sample, fed whole and byte by byte: never
// throws, answers 0 or a registered event, and reads nothing past `end` (guard bytes after it differ).
import { describe, expect, it } from 'vitest';
import { AppDispatch, AppFlow, tcpAppTable, udpAppTable } from '../../gateway/app/app-dispatch.js';
import type { AppRecord } from '../../gateway/app/app-record.js';
import { DECODE_EVENT_LIST, DecodeCounters } from '../../gateway/common/events.js';
import { appModuleSamples, udpModuleSamples } from '../../gateway/fuzz/targets/app-modules-target.js';

const TCP = tcpAppTable();
const UDP = udpAppTable();

function answerOk(r: number): boolean {
  return r === 0 || (r < 0 && DECODE_EVENT_LIST[-r] !== undefined);
}

/** `src[0, n)` placed at offset 3 of a buffer whose bytes after it are `guard`. */
function guarded(src: Buffer, n: number, guard: number): Buffer {
  const b = Buffer.alloc(n + 3 + 32, guard);
  src.copy(b, 3, 0, n);
  return b;
}

describe('TCP modules over every truncation of their sample', () => {
  for (const sample of appModuleSamples()) {
    const mod = TCP.find((e) => e.mod.name === sample.module)!.mod;
    it(`${sample.module}: both directions, cut at every length, whole and byte by byte`, () => {
      // The sample itself is valid: records and no event.
      const whole = mod.create();
      const recs: AppRecord[] = [];
      expect(mod.feed(whole, 0, sample.client, 0, sample.client.length, 1, (x) => recs.push(x))).toBe(0);
      expect(mod.feed(whole, 1, sample.server, 0, sample.server.length, 1, (x) => recs.push(x))).toBe(0);
      mod.end?.(whole, 2, (x) => recs.push(x));
      expect(recs.length).toBeGreaterThan(0);
      for (const [dir, stream] of [[0, sample.client], [1, sample.server]] as const) {
        for (let n = 0; n <= stream.length; n++) {
          const runs: string[] = [];
          for (const guard of [0x00, 0xff]) {
            const b = guarded(stream, n, guard);
            const recs: AppRecord[] = [];
            const st = mod.create();
            const r = n === 0 ? 0 : mod.feed(st, dir, b, 3, 3 + n, 1, (x) => recs.push(x));
            expect(answerOk(r)).toBe(true);
            if (r === 0 && !st.done) mod.end?.(st, 2, (x) => recs.push(x));
            runs.push(`${r} ${JSON.stringify(recs)}`);
          }
          expect(runs[1]).toBe(runs[0]);
        }
        // Byte by byte: every split point at once.
        const st = mod.create();
        for (let i = 0; i < stream.length && !st.done; i++) {
          const r = mod.feed(st, dir, stream, i, i + 1, 1, () => {});
          expect(answerOk(r)).toBe(true);
          if (r < 0) break;
        }
      }
    });
  }

  it('the dispatcher on every truncation of every sample, on its port and on another', () => {
    const d = new AppDispatch(new DecodeCounters());
    for (const sample of appModuleSamples()) {
      const mod = TCP.find((e) => e.mod.name === sample.module)!.mod;
      for (const port of [mod.ports[0]!, 31337]) {
        for (let n = 0; n <= sample.client.length; n += 3) {
          const af = new AppFlow(port);
          d.tcpData(af, 0, sample.client, 0, n, 1, () => {});
          d.tcpData(af, 1, sample.server, 0, sample.server.length, 1, () => {});
          d.tcpEnd(af, 2, () => {});
          expect(['undecided', 'active', 'unknown', 'done', 'error']).toContain(af.status);
        }
      }
    }
  });
});

describe('UDP modules over every truncation of their sample', () => {
  for (const sample of udpModuleSamples()) {
    const mod = UDP.find((m) => m.name === sample.module)!;
    it(`${sample.module} (${sample.data.length} bytes)`, () => {
      for (let n = 0; n <= sample.data.length; n++) {
        const runs: string[] = [];
        for (const guard of [0x00, 0xff]) {
          const recs: AppRecord[] = [];
          const r = mod.parse(guarded(sample.data, n, guard), 3, 3 + n, 1, 0, (x) => recs.push(x));
          expect(answerOk(r)).toBe(true);
          runs.push(`${r} ${JSON.stringify(recs)}`);
        }
        expect(runs[1]).toBe(runs[0]);
      }
      const recs: AppRecord[] = [];
      expect(mod.parse(sample.data, 0, sample.data.length, 1, 0, (x) => recs.push(x))).toBe(0);
      expect(recs.length).toBeGreaterThan(0);
    });
  }
});
