// The demo as `npm start` runs it: the capture looped by PacedReplay into the pipeline, detectors
// and MUD policy. After the first loop the benign traffic raises nothing new (the loops only add to
// the counts of the same alerts) but one beacon: the camera's C&C check-ins every 10 s are a beacon
// within the first loop, and its loader fetch, once a loop to the same C&C host, becomes one once
// enough loops have made it periodic.
import { beforeAll, describe, expect, it } from 'vitest';
import { ALERTS_DEFAULTS, AlertManager } from '../../gateway/alerts/alert-manager.js';
import type { Alert } from '../../gateway/alerts/alert.js';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { buildSensor } from '../../gateway/sensor/sensor.js';
import { standardPlugins } from '../../gateway/plugins/standard-plugins.js';
import { BEACON_PERIOD } from '../../gateway/demo/demo-attacks.js';
import { ATTACKERS, DEMO_HOSTS } from '../../gateway/demo/demo-devices.js';
import { DEMO_GATEWAY_ADDRESSES, demoFrames } from '../../gateway/demo/demo-network.js';
import { PacedReplay } from '../../gateway/demo/paced-replay.js';
import { POLICY_DEFAULTS } from '../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../gateway/policy/profile-store.js';
import { ROOT } from '../helpers/fixtures.js';

/** Fourteen loops of four minutes: 56 minutes of packet time. */
const LOOPS = 14;
const START = Date.UTC(2026, 5, 1, 12) * 1000;
const demo = demoFrames();

/** Each alert when it was first raised, with the loop it was raised in. */
const raised: { loop: number; alert: Alert }[] = [];
let all: readonly Alert[] = [];
let replay: PacedReplay;

beforeAll(async () => {
  const alerts = new AlertManager(ALERTS_DEFAULTS, null);
  const store = new ProfileStore();
  store.loadDir(`${ROOT}/policies/profiles`);
  const engine = buildSensor({
    config: PIPELINE_DEFAULTS, alerts,
    plugins: standardPlugins({ policy: { config: { ...POLICY_DEFAULTS, gatewayAddresses: [...DEMO_GATEWAY_ADDRESSES] }, store } }),
  });
  const p = engine.pipeline;
  alerts.addListener((a, isNew) => {
    if (isNew) raised.push({ loop: Math.floor((p.lastTs - START) / demo.loopUs), alert: a });
  });
  replay = new PacedReplay({ frames: demo.frames, startTimeUs: START, speed: 1e6, maxLoops: LOOPS });
  await replay.run(engine.sink);
  engine.finish();
  all = alerts.all();
});

describe('the demo in a loop', () => {
  it('replays every loop in full', () => {
    expect([replay.loops, replay.frames]).toEqual([LOOPS, LOOPS * demo.frames.length]);
  });

  it('raises nothing new after the first loop but the beacon: later loops add to the counts', () => {
    const later = raised.filter((r) => r.loop > 0).map((r) => r.alert.rule);
    expect(later).toEqual(['beacon.c2']);
    // The per-loop attacks are counted once a loop (dns.tunnel: once per 300 s window).
    const count = (rule: string) => all.filter((a) => a.rule === rule).reduce((n, a) => n + a.count, 0);
    expect(count('bruteforce.telnet')).toBe(LOOPS);
    expect(count('scan.port')).toBe(LOOPS);
    expect(count('malware.download')).toBe(LOOPS);
    expect(count('device.new')).toBe(6);
    expect(count('mud.no-profile')).toBe(1);
  });

  it("the camera's C&C check-ins are a beacon in the first loop; its once-a-loop loader fetch one after eight loops", () => {
    const b = raised.filter((r) => r.alert.rule === 'beacon.c2');
    expect(b).toHaveLength(2);
    const [checkIns, fetches] = b;
    expect(checkIns!.loop).toBe(0);
    expect(checkIns!.alert).toMatchObject({ device: DEMO_HOSTS.camera.mac, src: DEMO_HOSTS.camera.ip, dst: ATTACKERS.c2, dport: ATTACKERS.c2Port, severity: 'high' });
    expect(checkIns!.alert.evidence.medianSeconds as number).toBeCloseTo(BEACON_PERIOD, 0);
    // One fetch a loop (240 s): at least minEvents (8) of them before it can be called periodic.
    expect(fetches!.alert).toMatchObject({ device: DEMO_HOSTS.camera.mac, dst: ATTACKERS.c2, dport: 80, severity: 'high' });
    expect(fetches!.loop).toBeGreaterThanOrEqual(7);
    expect(fetches!.alert.evidence.medianSeconds as number).toBeCloseTo(240, 0);
  });
});
