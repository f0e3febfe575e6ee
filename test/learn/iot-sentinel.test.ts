// Learn from one setup, hold the device to it in another: for each of the 14 IoT Sentinel devices
// of ../shared/fixtures, `mud learn` on the first setup capture, then a replay of the second with
// the learned profile bound (and the policy config the learner wrote for its URN rules) must raise
// at most a handful of mud.violation alerts for the device. Replaying the learning capture itself
// must raise none. Every violation expected below is named, with why the second setup differs.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMudLearn } from '../../gateway/cli/mud-learn-command.js';
import type { LearnReport } from '../../gateway/learn/learn-report.js';
import { pipelineConfig } from '../../gateway/sensor/sensor-config.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import { POLICY_DEFAULTS } from '../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../gateway/policy/profile-store.js';
import { fixture } from '../helpers/fixtures.js';

const ROOT = fixture('pcap/iot-sentinel');

/**
 * Violations expected on the second setup, by device: the peer and port of each (from the alert's
 * fields) and why the learned profile could not know it. A handful at most (≤ 5) each.
 */
const EXPECTED: Record<string, { violations: string[]; why: string }> = {
  Aria: { violations: [], why: '' },
  'D-LinkCam': { violations: [], why: '' },
  'D-LinkDoorSensor': { violations: ['to 239.255.255.250:1900'], why: 'an SSDP M-SEARCH the first setup never sent' },
  'D-LinkSwitch': { violations: [], why: '' },
  EdimaxCam1: { violations: ['to 255.255.255.255:2336'], why: 'its discovery broadcast picks a new port at each boot (51140 in the first setup)' },
  EdimaxPlug1101W: { violations: [], why: '' },
  EdnetGateway: { violations: [], why: '' },
  HueBridge: { violations: [], why: '' },
  Lightify: { violations: ['to 195.65.87.104:80'], why: 'asks for srmp01lb03.ch.pub.arrayent.com, an alias of the host it reached as srmp01lb02 in the first setup' },
  SmarterCoffee: { violations: [], why: '' },
  'TP-LinkPlugHS100': { violations: ['to 199.19.95.142:123'], why: 'takes its time from ca.pool.ntp.org, de.pool.ntp.org in the first setup' },
  WeMoSwitch: { violations: [], why: '' },
  Withings: { violations: [], why: '' },
  iKettle2: { violations: [], why: '' },
};

const devices = readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const dir = mkdtempSync(join(tmpdir(), 'edgeward-sentinel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** mud.violation alerts of `mac` when `capture` is replayed with `mudFile` bound under `policyFile`'s config. */
async function violations(capture: string, mac: string, mudFile: string, policyFile: string): Promise<string[]> {
  const store = new ProfileStore();
  store.bind(mac, mudFile);
  const policy = (JSON.parse(readFileSync(policyFile, 'utf8')) as { policy?: object }).policy ?? {};
  const { summary } = await replayCapture(capture, {
    config: pipelineConfig({}), topFlows: 0,
    detect: { detectors: [], policy: { config: { ...POLICY_DEFAULTS, ...policy }, store } },
  });
  // The peer as "to ADDR:PORT" (from the device) or "from ADDR:PORT" (to it), from the alert's fields.
  return summary.alerts.filter((a) => a.rule === 'mud.violation' && a.device === mac).map((a) => {
    const out = a.evidence.direction === 'from-device';
    const [peer, port] = out ? [a.dst, a.dport] : [a.src, a.sport];
    return `${out ? 'to' : 'from'} ${peer}${port !== null ? `:${port}` : ''}`;
  });
}

describe('mud learn on IoT Sentinel: learn one setup, replay another', () => {
  it('has the 14 devices', () => {
    expect(devices).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of devices) {
    it(`${name}: no violation on the learning capture, ${EXPECTED[name]!.violations.length} on the other (${EXPECTED[name]!.why || 'same behaviour'})`, async () => {
      const folder = join(ROOT, name);
      const mac = readFileSync(join(folder, '_iotdevice-mac.txt'), 'utf8').trim();
      const [first, second] = readdirSync(folder).filter((f) => f.endsWith('.pcap')).sort().map((f) => join(folder, f));
      const mudFile = join(dir, `${name}.json`);
      const policyFile = join(dir, `${name}-policy.json`);
      const reportFile = join(dir, `${name}-report.json`);
      let err = '';
      const code = await runMudLearn([first!, '--device', mac, '--out', mudFile, '--config-out', policyFile, '--report', reportFile, '--json'], {
        stdout: () => {}, stderr: (s) => { err += s; }, stderrIsTTY: false,
      });
      expect(err).toBe('');
      expect(code).toBe(0);
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as LearnReport;
      expect(report.validation).toEqual({ accepted: true, warnings: [], errors: [] });
      expect(report.flows.learned).toBeGreaterThan(0);
      expect(await violations(first!, mac, mudFile, policyFile)).toEqual([]);
      const v = await violations(second!, mac, mudFile, policyFile);
      expect(v.length).toBeLessThanOrEqual(5);
      expect(v).toEqual(EXPECTED[name]!.violations);
    });
  }
});
