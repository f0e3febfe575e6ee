// The verdict explainer on real captures: the bundled demo against the bundled profiles, and the
// Tapo P115 capture against the MUD file made from it. Its counts add up — per device, the ACE
// counts sum to the allowed flows and allowed + denied + unjudged = the device's flows, for flows and
// bytes — and agree with two independent counts: a separate full replay's flow list (as
// `replay --json` prints it) and the policy layer's own per-ACE counters. The demo camera's C&C
// check-ins are explained by the nearest ACE and what differed. The daemon's path (explainLive over
// the flow store's records) gives the same report, and decision-time evidence matters.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { parseMac } from '../../gateway/common/address-text.js';
import { ATTACKERS, DEMO_HOSTS } from '../../gateway/demo/demo-devices.js';
import { DEMO_GATEWAY_ADDRESSES, writeDemoCapture } from '../../gateway/demo/demo-network.js';
import { DenialRecorder } from '../../gateway/explain/denial-recorder.js';
import { explainCapture, type ExplainCaptureResult } from '../../gateway/cli/explain-capture.js';
import { explainLive, storedFlowsOf } from '../../gateway/explain/explain-live.js';
import type { DeviceExplanation, ExplainReport } from '../../gateway/explain/explain-report.js';
import type { FlowRecord } from '../../gateway/track/flow-record.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import type { ReplaySummary } from '../../gateway/replay/summary.js';
import type { MudPolicy } from '../../gateway/policy/mud-policy.js';
import { POLICY_DEFAULTS, type PolicyConfig } from '../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../gateway/policy/profile-store.js';
import { openDatabase } from '../../gateway/store/database.js';
import { FlowStore } from '../../gateway/store/flow-store.js';
import type { DnsCache } from '../../gateway/track/dns-cache.js';
import { fixture, ROOT } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'edgeward-explain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEMO = join(dir, 'demo.pcap');
const TAPO = fixture('mud-pairs/tapo-p115/G06-tapo-p115.pcap');
const TAPO_MUD = fixture('mud-pairs/tapo-p115/G06-tapo-p115.mud');
const TAPO_MAC = readFileSync(fixture('mud-pairs/tapo-p115/device-mac.txt'), 'utf8').trim();

interface Case {
  name: string;
  file: string;
  store: () => ProfileStore;
  policy: PolicyConfig;
  bound: string[];
}

const CASES: Case[] = [
  {
    name: 'demo', file: DEMO, bound: [],
    store: () => { const s = new ProfileStore(); s.loadDir(join(ROOT, 'policies/profiles')); return s; },
    policy: { ...POLICY_DEFAULTS, gatewayAddresses: [...DEMO_GATEWAY_ADDRESSES] },
  },
  {
    name: 'tapo-p115', file: TAPO, bound: [TAPO_MAC],
    store: () => { const s = new ProfileStore(); s.bind(TAPO_MAC, TAPO_MUD); return s; },
    policy: POLICY_DEFAULTS,
  },
  {
    name: 'tapo-p115, gateway mapped', file: TAPO, bound: [TAPO_MAC],
    store: () => { const s = new ProfileStore(); s.bind(TAPO_MAC, TAPO_MUD); return s; },
    policy: { ...POLICY_DEFAULTS, gatewayAddresses: ['10.42.0.1'] },
  },
];

/** A full replay as `replay --json --top-flows` runs it (every detector), for the independent counts. */
async function fullReplay(c: Case): Promise<ReplaySummary> {
  const r = await replayCapture(c.file, { config: PIPELINE_DEFAULTS, topFlows: 1_000_000, detect: { policy: { config: c.policy, store: c.store() } } });
  expect(r.summary.flows.top).toHaveLength(r.summary.flows.total);
  return r.summary;
}

const results = new Map<string, { x: ExplainCaptureResult; replay: ReplaySummary }>();
beforeAll(async () => {
  writeDemoCapture(DEMO);
  for (const c of CASES) {
    const x = await explainCapture(c.file, { config: PIPELINE_DEFAULTS, policy: { config: c.policy, store: c.store() }, boundMacs: c.bound });
    results.set(c.name, { x, replay: await fullReplay(c) });
  }
});

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const bytesOf = (fs: readonly FlowRecord[]) => sum(fs.map((f) => f.srcBytes + f.dstBytes));
/** A device's flows in the replay's list: its MAC on either side, or a verdict given for it. */
const flowsOf = (s: ReplaySummary, mac: string) => s.flows.top.filter((f) => f.srcMac === mac || f.dstMac === mac || f.mud?.some((v) => v.device === mac));
const verdictOf = (f: FlowRecord, mac: string) => f.mud?.find((v) => v.device === mac);

describe.each(CASES.map((c) => c.name))('%s: the counts add up', (name) => {
  const get = () => results.get(name)!;

  it('explains every device held to a profile', () => {
    const { x, replay } = get();
    const profiled = replay.devices.filter((d) => d.profile !== null).map((d) => d.mac).sort();
    expect(x.report.devices.map((d) => d.mac)).toEqual(profiled);
    expect(profiled.length).toBeGreaterThan(0);
    expect(x.report.devices.every((d) => d.seen)).toBe(true);
  });

  it('per device: Σ ACE = allowed, allowed + denied + unjudged = flows, for flows and bytes', () => {
    for (const d of get().x.report.devices) {
      const t = d.totals;
      expect(sum(d.aces.map((a) => a.flows))).toBe(t.allowed.flows);
      expect(sum(d.aces.map((a) => a.bytes))).toBe(t.allowed.bytes);
      expect(t.allowed.flows + t.denied.flows + t.unjudged.flows).toBe(t.flows);
      expect(t.allowed.bytes + t.denied.bytes + t.unjudged.bytes).toBe(t.bytes);
      expect(d.denied).toHaveLength(t.denied.flows);
      expect(d.deniedOmitted).toBe(0);
      expect(t.flows).toBeGreaterThan(0);
    }
  });

  it("agrees with the replay's flow list, counted on its own", () => {
    const { x, replay } = get();
    for (const d of x.report.devices) {
      const mine = flowsOf(replay, d.mac);
      expect(d.totals.flows).toBe(mine.length);
      expect(d.totals.bytes).toBe(bytesOf(mine));
      const allowed = mine.filter((f) => verdictOf(f, d.mac)?.allowed === true);
      const denied = mine.filter((f) => verdictOf(f, d.mac)?.allowed === false);
      const none = mine.filter((f) => verdictOf(f, d.mac) === undefined);
      expect([d.totals.allowed.flows, d.totals.denied.flows, d.totals.unjudged.flows]).toEqual([allowed.length, denied.length, none.length]);
      expect([d.totals.allowed.bytes, d.totals.denied.bytes, d.totals.unjudged.bytes]).toEqual([bytesOf(allowed), bytesOf(denied), bytesOf(none)]);
      for (const a of d.aces) {
        const hit = allowed.filter((f) => verdictOf(f, d.mac)!.acl === a.acl && verdictOf(f, d.mac)!.ace === a.ace && verdictOf(f, d.mac)!.direction === a.direction);
        expect([a.ace, a.flows, a.bytes]).toEqual([a.ace, hit.length, bytesOf(hit)]);
      }
      // The denied flows listed are exactly the denied flows of the list.
      expect(d.denied.map((f) => f.flow.id).sort((p, q) => p - q)).toEqual(denied.map((f) => f.id).sort((p, q) => p - q));
      // Flows judged for the device that carry no MAC of it: inbound flows it never answered (the
      // DHCP server's offer to it). Counting by MAC alone would miss them.
      const noMac = mine.filter((f) => f.srcMac !== d.mac && f.dstMac !== d.mac);
      expect(noMac.every((f) => f.dstMac === null && verdictOf(f, d.mac)!.direction === 'to-device')).toBe(true);
    }
  });

  it("agrees with the policy layer's own per-ACE counters", () => {
    const { x } = get();
    for (const d of x.report.devices) {
      const hits = x.policy.aceHits(parseMac(d.mac));
      for (const a of d.aces) {
        expect([a.ace, a.flows, a.bytes]).toEqual([a.ace, hits.get(`${a.acl}/${a.ace}`)?.flows ?? 0, hits.get(`${a.acl}/${a.ace}`)?.bytes ?? 0]);
      }
      // Denied flows per ACL ("acl/"), from the ACL the verdict named.
      const deniedHits = sum([...hits].filter(([k]) => k.endsWith('/')).map(([, h]) => h.flows));
      expect(d.totals.denied.flows).toBe(deniedHits);
    }
  });

  it('lists as never used exactly the ACEs with no flow', () => {
    for (const d of get().x.report.devices) {
      const zero = d.aces.filter((a) => a.flows === 0 && a.deniedFlows === 0).map((a) => `${a.direction} ${a.acl} ${a.ace}`);
      expect(d.unused.map((a) => `${a.direction} ${a.acl} ${a.ace}`)).toEqual(zero);
      expect(d.unused.every((u) => u.text.endsWith(': accept') || u.text.endsWith(': drop') || u.text.endsWith(': reject'))).toBe(true);
    }
  });

  it('every denied flow names its nearest ACE and at least one difference, worked out when it was judged', () => {
    for (const d of get().x.report.devices) {
      for (const f of d.denied) {
        expect(f.evidenceAt).toBe('decision');
        expect(f.deniedBy).toBe('implicit-deny');
        expect(f.nearest).not.toBeNull();
        expect(f.differences.length).toBeGreaterThan(0);
        expect(f.differences.every((x) => x.code !== 'state-changed')).toBe(true);
      }
    }
  });

  it("every flow of the capture is a profiled device's, or touches none", () => {
    const { x, replay } = get();
    const macs = new Set(x.report.devices.map((d) => d.mac));
    const counted = replay.flows.top.filter((f) => [f.srcMac, f.dstMac, ...(f.mud ?? []).map((v) => v.device)].some((m) => m !== null && macs.has(m)));
    const alone = replay.flows.top.filter((f) => ![f.srcMac, f.dstMac].some((m) => m !== null && macs.has(m)) && (f.mud ?? []).length === 0);
    expect(counted.length + alone.length).toBe(replay.flows.total);
  });
});

describe('the demo camera', () => {
  const { camera, plug } = DEMO_HOSTS;
  const dev = (mac: string): DeviceExplanation => results.get('demo')!.x.report.devices.find((d) => d.mac === mac)!;

  it(`its C&C check-ins to ${ATTACKERS.c2}:${ATTACKERS.c2Port} are denied, nearest the cloud ACE, port and name differing`, () => {
    const checkIns = results.get('demo')!.replay.flows.top.filter((f) => f.dst === ATTACKERS.c2 && f.dport === ATTACKERS.c2Port);
    const c2 = dev(camera.mac).denied.filter((f) => f.peer === ATTACKERS.c2 && f.peerPort === ATTACKERS.c2Port);
    expect(c2.length).toBe(checkIns.length);
    expect(c2.length).toBeGreaterThan(10);
    for (const f of c2) {
      expect(f).toMatchObject({ direction: 'from-device', acl: 'camera-v4-from-device', deniedBy: 'implicit-deny', peerNames: [] });
      expect(f.nearest).toMatchObject({ acl: 'camera-v4-from-device', ace: 'cloud-api' });
      expect(f.differences.map((d) => [d.code, d.want, d.have])).toEqual([
        ['peer-port', '443', String(ATTACKERS.c2Port)],
        ['peer-name', 'api.cam.example.com', `${ATTACKERS.c2} (no DNS name)`],
      ]);
    }
  });

  it("the port scan is explained by the device port the LAN RTSP ACE allows; the telnet brute force on it by that port and the peer not being local", () => {
    const inbound = dev(camera.mac).denied.filter((f) => f.direction === 'to-device');
    const scan = inbound.filter((f) => f.peer === DEMO_HOSTS.laptop.ip);
    expect(scan.length).toBeGreaterThan(10);
    expect(scan.every((f) => f.nearest?.ace === 'local-rtsp' && f.differences.map((d) => d.code).join() === 'device-port')).toBe(true);
    const brute = inbound.filter((f) => f.peer === ATTACKERS.telnetBruteforcer);
    expect(brute.length).toBeGreaterThan(5);
    expect(brute.every((f) => f.nearest?.ace === 'local-rtsp' && f.differences.map((d) => d.code).join() === 'device-port,peer-class')).toBe(true);
    // Nothing else comes in to the camera, and nothing in to the plug any more.
    expect(scan.length + brute.length).toBe(inbound.length);
    expect(dev(plug.mac).denied).toEqual([]);
  });

  it('a window counts only the flows that began in it', async () => {
    const w = await explainCapture(DEMO, { config: PIPELINE_DEFAULTS, policy: { config: CASES[0]!.policy, store: CASES[0]!.store() }, windowSeconds: 60 });
    const replay = results.get('demo')!.replay;
    const end = Date.parse(replay.firstTs!) + 60_000;
    expect(w.report.window).toEqual({ from: replay.firstTs, to: new Date(end).toISOString() });
    for (const d of w.report.devices) {
      const inside = flowsOf(replay, d.mac).filter((f) => Date.parse(f.firstTs) < end);
      expect(d.totals.flows).toBe(inside.length);
      expect(d.totals.bytes).toBe(bytesOf(inside));
      expect(sum(d.aces.map((a) => a.flows))).toBe(d.totals.allowed.flows);
    }
    // The loop is four minutes: the camera's check-ins go on after the first one.
    const whole = results.get('demo')!.x.report.devices.find((d) => d.mac === DEMO_HOSTS.camera.mac)!;
    expect(w.report.devices.find((d) => d.mac === DEMO_HOSTS.camera.mac)!.totals.flows).toBeLessThan(whole.totals.flows);
  });
});

describe('on a running gateway (explainLive over the flow store)', () => {
  /** The replay a daemon would run: policy layer, recorder, flow records kept. */
  async function live(c: Case): Promise<{ policy: MudPolicy; recorder: DenialRecorder; records: FlowRecord[]; dns: DnsCache }> {
    let recorder: DenialRecorder | undefined;
    let policy: MudPolicy | undefined;
    const r = await replayCapture(c.file, {
      config: PIPELINE_DEFAULTS, topFlows: 1_000_000,
      detect: { policy: { config: c.policy, store: c.store() } },
      setup: (_p, sensor) => {
        policy = sensor.plugin<MudPolicy>('mudPolicy')!;
        recorder = sensor.plugin<DenialRecorder>('denialRecorder')!;
      },
    });
    return { policy: policy!, recorder: recorder!, records: r.summary.flows.top, dns: r.pipeline.dns };
  }
  const strip = (r: ExplainReport) => r.devices;

  it('gives the same report as the capture explainer, from records read back from SQLite', async () => {
    const c = CASES[2]!;
    const { policy, recorder, records } = await live(c);
    const db = openDatabase(':memory:');
    const store = new FlowStore(db, 100_000);
    for (const r of records) store.add(r);
    store.flush();
    const stored = storedFlowsOf(store, TAPO_MAC, ['10.42.0.205']);
    expect(stored.length).toBe(flowsOf(results.get(c.name)!.replay, TAPO_MAC).length);
    const report = explainLive(policy, stored, { macs: [TAPO_MAC], denials: recorder });
    expect(strip(report)).toEqual(strip(results.get(c.name)!.x.report));
    db.close();
  });

  it('without decision-time evidence, a DNS answer that came after the flow makes the nearest ACE match now', async () => {
    const c = CASES[2]!;
    const { policy, records, dns } = await live(c);
    const report = explainLive(policy, records, { dns });
    const late = report.devices[0]!.denied.find((f) => f.peer === '54.170.92.104')!;
    expect(late.evidenceAt).toBe('report');
    // The answer for euw1-device-cloudgateway came 0.5 s after this flow's first packet.
    expect(late.peerNames).toContain('euw1-device-cloudgateway.iot.i.tplinknbu.com');
    expect(late.differences.map((d) => d.code)).toEqual(['state-changed']);
    // With the recorder, the same flow is explained as judged: no name for the address yet.
    const judged = results.get(c.name)!.x.report.devices[0]!.denied.find((f) => f.peer === '54.170.92.104')!;
    expect(judged.evidenceAt).toBe('decision');
    expect(judged.peerNames).toEqual([]);
    expect(judged.differences.map((d) => d.code)).toEqual(['peer-name']);
  });
});
