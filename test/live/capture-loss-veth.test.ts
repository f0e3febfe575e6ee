// Capture loss at line rate (issue 19): a real daemon captures on the host end of a veth pair whose
// other end sits in a namespace the test makes, and tcpreplay sends from there. A top-speed burst
// into a tiny kernel buffer is lost and said so: kernel drops in health and /metrics, health
// "degraded", one `sensor.capture-loss` alert naming the interface, and the counters account for
// every frame sent. 1,000,000 packets at 50,000 packets/s with the default buffers are all
// captured, none dropped, no alert. Needs root, ip, tcpreplay and the built capture addon; skipped
// otherwise, with the reason in its title.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureUnavailableReason } from '../../gateway/capture/pcap-binding.js';
import { runTcpreplay, type TcpreplayResult } from '../../gateway/cli/tcpreplay-run.js';
import { VethPair, vethReplayUnavailable } from '../../gateway/cli/veth-pair.js';
import type { HealthView } from '../../gateway/server/api-context.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { fixture } from '../helpers/fixtures.js';
import { until } from '../helpers/wait-until.js';

const skipReason = vethReplayUnavailable() ?? captureUnavailableReason();

/** 37,841 TCP SYNs from spoofed sources, 60-byte Ethernet frames. */
const SYN_FLOOD = fixture('pcap/stopddos/pkt.TCP.synflood.spoofed.pcap');
const SYN_FLOOD_PACKETS = 37_841;
/**
 * The loss case's capture: a kernel buffer of 128 KiB (a few TPACKET_V3 blocks, about a thousand
 * small frames: a few milliseconds of a top-speed burst, so the kernel drops whenever the capture
 * thread is not scheduled in time) and the smallest capture ring the addon takes (about 800 small
 * frames, so the ring drops too while the JavaScript side works). Seen on the 2-core machine: of
 * 113,523 frames, some 4,000-6,000 dropped by the kernel and 75,000-91,000 at the ring.
 */
const TINY = { bufferSize: 131_072, ringSize: 65_536 };

interface Alerts {
  items: { rule: string; message: string; evidence: Record<string, unknown> }[];
  total: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skipReason !== null)(`capture loss on a veth pair at line rate${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const pair = new VethPair('ewt');

  beforeAll(() => {
    try {
      pair.create();
    } catch (e) {
      pair.destroy();
      throw e;
    }
  });

  afterAll(() => {
    pair.destroy();
  });

  const health = async (t: TestDaemon) => (await (await t.api('/api/v1/health')).json()) as HealthView;
  const lossAlerts = async (t: TestDaemon) =>
    (await (await t.api('/api/v1/alerts?rule=sensor.capture-loss&limit=100', { token: t.tokens.admin })).json()) as Alerts;

  /** Health once the capture's counters and the pipeline's packet count have not moved for 1.5 s. */
  async function settled(t: TestDaemon): Promise<HealthView> {
    let last = '';
    let since = Date.now();
    let h = await health(t);
    await until(async () => {
      h = await health(t);
      const c = h.capture!;
      const key = `${c.received}/${c.captured}/${c.kernelDropped}/${c.ringDropped}/${h.packets}`;
      if (key !== last) { last = key; since = Date.now(); }
      return Date.now() - since >= 1500;
    }, () => `the capture counters to settle (last ${last})`, 60_000, 100);
    return h;
  }

  /** A Prometheus sample of the pair's interface, or NaN when it is missing. */
  function sample(text: string, name: string): number {
    const m = new RegExp(`^${name}\\{interface="${pair.host}"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  }

  it('a top-speed burst into a tiny kernel buffer: kernel drops in health and /metrics, "degraded", one sensor.capture-loss alert naming the interface', async () => {
    const t = await startTestDaemon({ capture: { interface: pair.host, ...TINY } });
    try {
      expect((await health(t)).capture).toMatchObject({ interface: pair.host, received: 0, captured: 0 });
      const sent: TcpreplayResult = await runTcpreplay({ ns: pair.ns, iface: pair.peer, file: SYN_FLOOD, rate: 'top', packets: 3 * SYN_FLOOD_PACKETS, timeoutMs: 60_000 });
      expect(sent).toMatchObject({ sent: 3 * SYN_FLOOD_PACKETS, failed: 0 });
      const h = await settled(t);
      const c = h.capture!;
      // The kernel buffer overflowed (the ring did too; the capture thread never waits on it).
      expect(c.kernelDropped).toBeGreaterThan(0);
      expect(c.kernelDropped + c.ringDropped).toBeGreaterThan(0);
      // Every frame sent is accounted for: ps_recv counts the kernel's drops with what it passed
      // on, and what libpcap passed on was either captured or dropped at the ring. A frame the
      // receiving CPU's backlog dropped never reaches libpcap (veth counts it, libpcap does not):
      // up to 1 % is let go for that; nothing else was sent on the pair (no address, no IPv6).
      expect(c.received).toBeLessThanOrEqual(sent.sent);
      expect(c.received).toBeGreaterThanOrEqual(sent.sent * 0.99);
      expect(c.captured + c.kernelDropped + c.ringDropped).toBe(c.received);
      expect(h.packets).toBe(c.captured);
      expect(c.lossPercent).toBeGreaterThan(0);

      // The alert comes at the next once-a-second check; health reads degraded from then on.
      await until(async () => (await lossAlerts(t)).total > 0, () => 'a sensor.capture-loss alert', 10_000, 100);
      const alerts = await lossAlerts(t);
      expect(alerts.total).toBe(1);
      expect(alerts.items[0]!.message).toContain(pair.host);
      // The alert carries the counts of the check that raised it: the drops seen by then, no more than health's later reading.
      const ev = alerts.items[0]!.evidence as { interface: string; kernelDropped: number; ringDropped: number };
      expect(ev.interface).toBe(pair.host);
      expect(ev.kernelDropped + ev.ringDropped).toBeGreaterThan(0);
      expect(ev.kernelDropped).toBeLessThanOrEqual(c.kernelDropped);
      expect(ev.ringDropped).toBeLessThanOrEqual(c.ringDropped);
      const after = await health(t);
      expect(after.status).toBe('degraded');
      expect(after.capture).toMatchObject({ lossRising: true });
      expect(after.capture!.kernelDropped).toBeGreaterThanOrEqual(c.kernelDropped);

      const res = await t.api('/metrics', { token: t.tokens.admin });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(sample(text, 'edgeward_capture_kernel_dropped_total')).toBe(c.kernelDropped);
      expect(sample(text, 'edgeward_capture_ring_dropped_total')).toBe(c.ringDropped);
      expect(sample(text, 'edgeward_capture_received_total')).toBe(c.received);
      expect(sample(text, 'edgeward_capture_captured_total')).toBe(c.captured);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('1,000,000 packets at 50,000 packets/s with the default buffers: every one captured and processed, no drop, no alert', async () => {
    const t = await startTestDaemon({ capture: { interface: pair.host } });
    try {
      const packets = 1_000_000;
      // --preload-pcap keeps the rate smooth; the capture is looped to make up the count.
      const sent = await runTcpreplay({ ns: pair.ns, iface: pair.peer, file: SYN_FLOOD, rate: 50_000, packets, timeoutMs: 60_000 });
      expect(sent).toMatchObject({ sent: packets, failed: 0 });
      const h = await settled(t);
      expect(h.capture).toMatchObject({ received: sent.sent, captured: sent.sent, kernelDropped: 0, ifDropped: 0, ringDropped: 0, lossPercent: 0, lossRising: false });
      expect(h.packets).toBe(sent.sent);
      // A loss alert would come at the once-a-second check after the drop; give it two.
      await sleep(2000);
      expect((await lossAlerts(t)).total).toBe(0);
      expect((await health(t)).capture!.lossRising).toBe(false);
    } finally {
      await t.close();
    }
  }, 90_000);
});
