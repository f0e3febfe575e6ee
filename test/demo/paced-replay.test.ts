// PacedReplay: loops a capture with packet times moved to a new origin and carried on across loops,
// paced by its clock (driven here by fake timers, never by the wall clock), delivering in bursts
// that yield to the event loop, and stopping on demand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { demoFrames, writeDemoCapture } from '../../gateway/demo/demo-network.js';
import { PacedReplay, type ReplayFrame } from '../../gateway/demo/paced-replay.js';

const demo = demoFrames();
const N = demo.frames.length;
const first = demo.frames[0]!.ts;
const START = Date.UTC(2026, 5, 1, 12) * 1000;

/** What the sink was handed, copied (the buffers are only valid during the call). */
interface Got {
  ts: number;
  data: Buffer;
  linkType: number;
}

function collector(): { got: Got[]; sink: Parameters<PacedReplay['run']>[0] } {
  const got: Got[] = [];
  return { got, sink: (buf, off, capLen, _orig, ts, linkType) => got.push({ ts, data: Buffer.from(buf.subarray(off, off + capLen)), linkType }) };
}

const dir = mkdtempSync(join(tmpdir(), 'edgeward-paced-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => { vi.useRealTimers(); });

describe('PacedReplay', () => {
  it('replays the demo twice at 1000x: every frame twice, times moved to the start and one loop apart', async () => {
    const { got, sink } = collector();
    const r = new PacedReplay({ frames: demo.frames, startTimeUs: START, speed: 1000, maxLoops: 2 });
    const stats = await r.run(sink);
    expect(stats).toMatchObject({ frames: 2 * N, dropped: 0, warnings: [] });
    expect([r.frames, r.loops]).toEqual([2 * N, 2]);
    expect(r.loopUs).toBe(demo.loopUs);
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < N; i++) {
        const g = got[k * N + i]!;
        expect(g.ts).toBe(START + k * demo.loopUs + (demo.frames[i]!.ts - first));
        expect(g.linkType).toBe(1);
      }
    }
    expect(got[0]!.ts).toBe(START);
    expect(got[N]!.ts).toBe(START + demo.loopUs);
    // Non-decreasing everywhere, and strictly later across the loop boundary.
    expect(got.every((g, i) => i === 0 || g.ts >= got[i - 1]!.ts)).toBe(true);
    expect(got[N]!.ts - got[N - 1]!.ts).toBe(1_000_000);
    expect(got[N + 5]!.data.equals(demo.frames[5]!.data)).toBe(true);
  });

  it('paces by its clock: at speed 1 only the frames due so far have been delivered', async () => {
    vi.useFakeTimers({ now: 0 });
    const { got, sink } = collector();
    const r = new PacedReplay({ frames: demo.frames, startTimeUs: START, speed: 1, clock: () => Date.now() });
    const run = r.run(sink);
    const due = (s: number) => demo.frames.filter((f) => f.ts - first <= s * 1e6).length;
    expect(got).toHaveLength(due(0));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(got).toHaveLength(due(2));
    await vi.advanceTimersByTimeAsync(8_000);
    expect(got).toHaveLength(due(10));
    expect(due(10)).toBeGreaterThan(due(2));
    expect(r.packetClockUs()).toBe(START + 10_000_000);
    r.stop();
    await run;
    expect(r.loops).toBe(0);
  });

  it('at speed 4 the same frames come four times sooner, with the same packet times', async () => {
    vi.useFakeTimers({ now: 0 });
    const { got, sink } = collector();
    const r = new PacedReplay({ frames: demo.frames, startTimeUs: START, speed: 4, clock: () => Date.now() });
    const run = r.run(sink);
    await vi.advanceTimersByTimeAsync(2_500);
    expect(got).toHaveLength(demo.frames.filter((f) => f.ts - first <= 10e6).length);
    expect(got.at(-1)!.ts).toBe(START + (demo.frames[got.length - 1]!.ts - first));
    r.stop();
    await run;
  });

  it('delivers at most maxBurst frames a turn and yields to the event loop between bursts', async () => {
    vi.useFakeTimers();
    let now = 0;
    const { got, sink } = collector();
    const r = new PacedReplay({ frames: demo.frames, startTimeUs: START, maxBurst: 100, maxLoops: 1, clock: () => now });
    const run = r.run(sink);
    expect(got).toHaveLength(1); // the first frame is due at once
    now = 1e9; // every frame of the loop is due: each turn takes one burst, then yields
    await vi.advanceTimersToNextTimerAsync();
    expect(got).toHaveLength(101);
    await vi.advanceTimersToNextTimerAsync();
    expect(got).toHaveLength(201);
    await vi.runAllTimersAsync();
    await run;
    expect(got).toHaveLength(N);
  });

  it('stop() mid-run resolves the run promptly and nothing is delivered after it', async () => {
    vi.useFakeTimers({ now: 0 });
    const { got, sink } = collector();
    const r = new PacedReplay({ frames: demo.frames, startTimeUs: START, clock: () => Date.now() });
    const run = r.run(sink);
    await vi.advanceTimersByTimeAsync(5_000);
    const before = got.length;
    expect(before).toBeGreaterThan(0);
    r.stop();
    r.stop(); // safe twice
    const stats = await run;
    expect(stats.frames).toBe(before);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(got).toHaveLength(before);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a stop() from inside the sink ends the burst at once', async () => {
    let n = 0;
    const r = new PacedReplay({ frames: demo.frames, startTimeUs: START, speed: 1e6 });
    const stats = await r.run(() => { if (++n === 7) r.stop(); });
    expect(n).toBe(7);
    expect(stats.frames).toBe(7);
  });

  it('reads a capture file: the written demo comes back frame for frame, one loop every DEMO loop length', async () => {
    const file = join(dir, 'demo.pcap');
    expect(writeDemoCapture(file)).toBe(N);
    const { got, sink } = collector();
    const r = new PacedReplay({ file, startTimeUs: START, speed: 1e6, maxLoops: 2 });
    await r.run(sink);
    expect(r.label).toBe(file);
    expect(got).toHaveLength(2 * N);
    // The file gives no loop length: the default one-second gap after the last frame makes it the demo's.
    expect(r.loopUs).toBe(demo.loopUs);
    expect(got.slice(0, N).every((g, i) => g.data.equals(demo.frames[i]!.data) && g.ts === START + demo.frames[i]!.ts - first)).toBe(true);
  });

  it('keeps packet time non-decreasing when the capture steps back, and honours periodUs', async () => {
    const frames: ReplayFrame[] = [
      { ts: 5_000_000, data: Buffer.alloc(60, 1) },
      { ts: 7_000_000, data: Buffer.alloc(60, 2) },
      { ts: 6_000_000, data: Buffer.alloc(60, 3) }, // out of order in the capture
      { ts: 9_000_000, data: Buffer.alloc(60, 4) },
    ];
    const { got, sink } = collector();
    await new PacedReplay({ frames, startTimeUs: 100, speed: 1e6, periodUs: 10_000_000, maxLoops: 2, linkType: 101 }).run(sink);
    expect(got.map((g) => g.ts)).toEqual([100, 2_000_100, 2_000_100, 4_000_100, 10_000_100, 12_000_100, 12_000_100, 14_000_100]);
    expect(got.every((g) => g.linkType === 101)).toBe(true);
  });

  it('refuses bad options', async () => {
    const frames = demo.frames.slice(0, 3);
    expect(() => new PacedReplay({ frames, startTimeUs: 0, speed: 0 })).toThrow(RangeError);
    expect(() => new PacedReplay({ frames, startTimeUs: 0, speed: Number.NaN })).toThrow(RangeError);
    expect(() => new PacedReplay({ startTimeUs: 0 })).toThrow(RangeError);
    expect(() => new PacedReplay({ frames, file: 'x.pcap', startTimeUs: 0 })).toThrow(RangeError);
    expect(() => new PacedReplay({ frames, startTimeUs: 0, maxLoops: 0 })).toThrow(RangeError);
    expect(() => new PacedReplay({ frames, startTimeUs: 0, gapUs: 0 })).toThrow(RangeError);
    expect(() => new PacedReplay({ frames, startTimeUs: 0, maxBurst: 0 })).toThrow(RangeError);
    // A period shorter than the capture would send time backwards at the loop boundary.
    const short = new PacedReplay({ frames, startTimeUs: 0, periodUs: frames[2]!.ts - frames[0]!.ts });
    await expect(short.run(() => {})).rejects.toThrow(RangeError);
    const once = new PacedReplay({ frames, startTimeUs: 0, speed: 1e6, maxLoops: 1 });
    await once.run(() => {});
    await expect(once.run(() => {})).rejects.toThrow(/twice/);
  });

  it('a sink that throws rejects the run', async () => {
    const r = new PacedReplay({ frames: demo.frames, startTimeUs: 0, speed: 1e6 });
    await expect(r.run(() => { throw new Error('sink broke'); })).rejects.toThrow('sink broke');
    expect(r.frames).toBe(0);
  });
});
