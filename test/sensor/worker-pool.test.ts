// Live sensor workers (issue 19): frames dealt through shared-memory rings to two worker threads
// give the alerts of one sensor running the same detectors; a full ring drops and counts.
import { describe, expect, it } from 'vitest';
import { ALERTS_DEFAULTS, AlertManager } from '../../gateway/alerts/alert-manager.js';
import type { Alert } from '../../gateway/alerts/alert.js';
import { openCapture } from '../../gateway/capture/open-capture.js';
import { DETECTORS } from '../../gateway/detect/registry.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { createFrameRing, FrameRingReader, FrameRingWriter } from '../../gateway/workers/frame-ring.js';
import { MAIN_THREAD_DETECTORS, SensorWorkerPool } from '../../gateway/workers/worker-pool.js';
import { fixture } from '../helpers/fixtures.js';

const key = (a: Alert): string => `${a.rule}|${a.device}|${a.src}|${a.dst}|${a.dport}|${a.count}|${a.firstTs}`;

async function throughPool(file: string, workers: number): Promise<{ alerts: string[]; dealt: number[]; dropped: number }> {
  const alerts = new AlertManager(ALERTS_DEFAULTS, null, true);
  const pool = new SensorWorkerPool({
    workers, ringBytes: 8 << 20, config: PIPELINE_DEFAULTS, detect: {}, alertsConfig: {}, alerts,
  });
  await openCapture(file).run(pool.sink);
  await pool.stop();
  const st = pool.stats();
  return { alerts: alerts.all().map(key).sort(), dealt: st.dealt, dropped: pool.dropped };
}

describe('live sensor worker pool', () => {
  const detectors = DETECTORS.filter((d) => !MAIN_THREAD_DETECTORS.includes(d.name));
  it.each([
    'pcap/stopddos/pkt.TCP.synflood.spoofed.pcap',
    'pcap/attacks/Honeyknows__nmap-scan-detection-lab/pcaps/nmap_PR_sn.pcapng',
    'pcap/ndpi/dns_exfiltration.pcap',
    'pcap/ndpi/telnet.pcap',
  ])('%s: two workers raise what one sensor with the same detectors raises', async (rel) => {
    const file = fixture(rel);
    const one = (await replayCapture(file, { config: PIPELINE_DEFAULTS, detect: { detectors } })).summary;
    const two = await throughPool(file, 2);
    expect(one.alerts.length).toBeGreaterThan(0);
    expect(two.dropped).toBe(0);
    expect(two.dealt.reduce((a, b) => a + b, 0)).toBe(one.capture.frames);
    expect(two.alerts).toEqual(one.alerts.map(key).sort());
  }, 60_000);

  it('a ring drops and counts what does not fit, and hands over the rest in order', () => {
    const mem = createFrameRing(65536);
    const w = new FrameRingWriter(mem);
    const r = new FrameRingReader(mem);
    const frame = Buffer.alloc(1000, 7);
    let ok = 0;
    for (let i = 0; i < 100; i++) if (w.write(frame, 0, 1000 - (i % 3), 1500, 1e15 + i, 1, 0)) ok++;
    expect(ok).toBe(64); // 1,024-byte records (24-byte header + ≤1,000 bytes, padded) in 64 KiB
    expect(w.dropped).toBe(36);
    const seen: number[] = [];
    expect(r.read((buf, off, capLen, origLen, ts) => { expect(origLen).toBe(1500); expect(buf[off]).toBe(7); seen.push(ts - 1e15, capLen); }, 1000)).toBe(64);
    expect(seen.slice(0, 6)).toEqual([0, 1000, 1, 999, 2, 998]);
    // Past the end: records wrap to the start, none split.
    for (let i = 0; i < 200; i++) {
      expect(w.write(frame, 0, 700, 700, i, 1, 0)).toBe(true);
      let got = -1;
      expect(r.read((_b, _o, capLen, _l, ts) => { got = ts; expect(capLen).toBe(700); }, 10)).toBe(1);
      expect(got).toBe(i);
    }
    w.close();
    expect(r.done).toBe(true);
  });
});
