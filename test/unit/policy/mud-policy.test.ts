// The MUD policy layer's enforcement side, with a recording Enforcement: a bound device's policy is
// applied, a device without a profile is quarantined when the default says so (and alerted once),
// its later address and the DNS answers its profile needs reach the enforcer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMac } from '../../../gateway/common/address-text.js';
import { MudPolicy, type Enforcement } from '../../../gateway/policy/mud-policy.js';
import { POLICY_DEFAULTS, type PolicyConfig } from '../../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../../gateway/policy/profile-store.js';
import type { DnsMessage } from '../../../gateway/app/dns/dns-message.js';
import { DeviceInventory } from '../../../gateway/track/device-inventory.js';
import { Flow } from '../../../gateway/track/flow.js';
import { PacketView } from '../../../gateway/decode/packet-view.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { fixture } from '../../helpers/fixtures.js';

const T = Date.UTC(2026, 0, 1) * 1000;
const BOUND = '02:00:00:00:00:0a';
const STRANGER = '02:00:00:00:00:0b';
const dir = mkdtempSync(join(tmpdir(), 'edgeward-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setup(cfg: Partial<PolicyConfig>) {
  const { host, alerts, devices, dns } = fakeHost();
  const calls: string[] = [];
  const enforcement: Enforcement = {
    apply: (policies, quarantined) => {
      calls.push(`apply ${policies.map((p) => p.context.deviceMac).join(',')} q=${quarantined.map((m) => m.toString(16)).join(',')}`);
      return Promise.resolve();
    },
    addDeviceAddress: (mac, family, a) => void calls.push(`addr ${mac.toString(16)} ${a}`),
    addDnsAddress: (name, family, a, ttl) => void calls.push(`dns ${name} ${a} ${ttl}`),
  };
  const store = new ProfileStore();
  store.bind(BOUND, fixture('mud/nist-mud/mudfile-dns-test.json'));
  const policy = new MudPolicy(host, { ...POLICY_DEFAULTS, mode: 'enforce', ...cfg }, store, enforcement);
  // What the sensor's bus does: device changes and DNS answers reach the plug-in's hooks.
  devices.addListener({ onDeviceChange: (d, field) => policy.onDeviceChange(d, field) });
  dns.addListener((name, addr, family, expires, ts) => policy.onDnsAnswer(name, addr, family, expires, ts));
  return { devices, dns, alerts, calls, policy };
}

/** The first packet of a new TCP flow from `mac`/`src` to `dst`:`port`. */
function firstPacket(policy: MudPolicy, devices: DeviceInventory, mac: string, src: string, dst: string, port: number, t: number): void {
  const pv = new PacketView();
  const m = parseMac(mac);
  pv.ts = T + t * 1e6; pv.family = 4; pv.ipProto = 6; pv.srcMac = m; pv.dstMac = parseMac('02:00:00:00:00:01');
  pv.src0 = parseInt(src.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(''), 16);
  pv.dst0 = parseInt(dst.split('.').map((x) => Number(x).toString(16).padStart(2, '0')).join(''), 16);
  pv.srcPort = 40000; pv.dstPort = port; pv.tcpFlags = 0x02;
  const d = devices.touch(m, pv.ts, 60)!;
  devices.learnIpv4(d, pv.src0);
  const f = new Flow(1, 0, 4, 6, pv.ts);
  f.a0 = pv.src0; f.b0 = pv.dst0; f.aPort = 40000; f.bPort = port; f.aMac = m; f.initiatorKnown = true; f.pktsAB = 1;
  policy.onPacket(pv, f, 0);
}

describe('MudPolicy with an enforcer', () => {
  it('applies the bound profile, quarantines a device without one (once), and passes on its address and DNS answers', async () => {
    const { devices, dns, alerts, calls, policy } = setup({ noProfile: 'quarantine' });
    const bound = devices.touch(parseMac(BOUND), T, 60)!;
    policy.onDeviceNew(bound, T);
    devices.learnIpv4(bound, 0x0a000005);
    firstPacket(policy, devices, STRANGER, '10.0.0.9', '198.51.100.1', 443, 1);
    firstPacket(policy, devices, STRANGER, '10.0.0.9', '198.51.100.2', 443, 2);
    const answer: DnsMessage = { id: 1, qr: true, opcode: 0, rcode: 0, tc: false, questions: [], authorities: [], additionals: [],
      answers: [{ name: 'www.nist.local', type: 1, class: 1, ttl: 120, rdLen: 4, data: '203.0.113.7' }, { name: 'other.example', type: 1, class: 1, ttl: 120, rdLen: 4, data: '203.0.113.8' }] };
    dns.onMessage(answer, T + 3e6);
    await policy.settled();
    // Applies are chained (one nft transaction after another) and run after the synchronous calls;
    // the enforcer keeps every address it was given and writes them all into each applied table.
    expect(calls).toEqual([
      'addr 2000000000a 10.0.0.5',
      'dns www.nist.local 203.0.113.7 180',
      `apply ${BOUND} q=`,
      `apply ${BOUND} q=2000000000b`,
    ]);
    expect(alerts.filter((a) => a.rule === 'mud.no-profile').map((a) => [a.device, a.evidence.default])).toEqual([[STRANGER, 'quarantine']]);
    expect(devices.get(parseMac(BOUND))!.profile).toBe('https://mud-dns-test.antd.nist.gov/super1');
  });

  it('with the allow default, a device without a profile is alerted on and left alone', async () => {
    const { devices, alerts, calls, policy } = setup({ noProfile: 'allow' });
    firstPacket(policy, devices, STRANGER, '10.0.0.9', '198.51.100.1', 443, 1);
    await policy.settled();
    expect(calls).toEqual([]);
    expect(alerts.map((a) => a.rule)).toEqual(['mud.no-profile']);
  });
});
