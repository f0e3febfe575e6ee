// The nftables enforcer against the real nft, in a network namespace the test makes: the table
// replaced in one transaction, DNS and device elements that survive a re-apply, DNS elements gone
// after their TTL, the liveness element that makes fail-open work after a crash, and stop().
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftEnforcer } from '../../gateway/enforce/nft-enforcer.js';
import { compileProfile, parseMud, type CompiledPolicy } from '../../policies/index.js';
import { dnsSetName } from '../../policies/nft/nft-names.js';
import { fixture } from '../helpers/fixtures.js';

const root = process.getuid?.() === 0;
const haveNft = !spawnSync('nft', ['--version'], { stdio: 'ignore' }).error && !spawnSync('ip', ['-V'], { stdio: 'ignore' }).error;
const ns = `ew-enf-${randomBytes(3).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function list(what: string): string {
  return execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', ...what.split(' ')], { encoding: 'utf8' });
}
function tableExists(): boolean {
  return spawnSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', 'edgeward'], { stdio: 'ignore' }).status === 0;
}
function policy(rel: string, mac: string): CompiledPolicy {
  const r = parseMud(readFileSync(fixture(rel), 'utf8'));
  if (!r.ok) throw new Error(`fixture ${rel} refused`);
  return compileProfile(r.profile, { deviceMac: mac, deviceAddresses: ['10.77.1.10'], localNetworks: ['10.77.0.0/16'] });
}

describe.skipIf(!root || !haveNft)(`nftables enforcer (needs root and nft)${root && haveNft ? '' : ': skipped'}`, () => {
  beforeAll(() => { execFileSync('ip', ['netns', 'add', ns]); });
  afterAll(() => { spawnSync('ip', ['netns', 'del', ns]); });

  const dnsPolicy = () => policy('mud/nist-mud/mudfile-dns-test.json', '02:00:00:00:00:0a');
  const lanPolicy = () => policy('mud/mud-visualizer/tester_local_network.json', '02:00:00:00:00:0b');

  it('applies two device policies with guard and emergency sets in one transaction, and keeps elements across a re-apply', async () => {
    const e = new NftEnforcer({ failMode: 'closed', netns: ns, emergency: ['10.77.2.9/32'] });
    const p = [dnsPolicy(), lanPolicy()];
    await e.apply(p);
    const t = list('table inet edgeward');
    expect(t).toContain('chain dev_02000000000a_from');
    expect(t).toContain('chain dev_02000000000b_from');
    expect(t).toMatch(/set alive \{\s+type mark\s+flags timeout\s+elements = \{ 0x00000000 \}/);
    expect(t).toContain('meta mark @alive counter packets 0 bytes 0 drop');
    expect(t).toMatch(/set emergency_v4 \{[^}]*elements = \{ 10\.77\.2\.9 \}/);
    e.addDnsAddress('www.nist.local', 4, '10.77.2.3', 300);
    e.addDeviceAddress(0x02000000000a, 4, '10.77.1.11');
    e.addDnsAddress('not.used.example', 4, '10.77.2.4', 300); // no policy names it: no set, skipped
    await e.flush();
    expect(list(`set inet edgeward ${dnsSetName('www.nist.local', 4)}`)).toMatch(/10\.77\.2\.3 timeout 5m/);
    expect(list('set inet edgeward dev_02000000000a_v4')).toMatch(/10\.77\.1\.10, 10\.77\.1\.11|10\.77\.1\.10-10\.77\.1\.11/);
    await e.apply(p); // a profile change or a restart replaces the table …
    expect(list(`set inet edgeward ${dnsSetName('www.nist.local', 4)}`)).toContain('10.77.2.3'); // … and loses nothing
    expect(list('set inet edgeward dev_02000000000a_v4')).toMatch(/10\.77\.1\.11/);
    await e.stop();
    expect(tableExists()).toBe(true); // fail-closed keeps the table
  });

  it('lets a DNS element go after its TTL', async () => {
    const e = new NftEnforcer({ failMode: 'closed', netns: ns });
    await e.apply([dnsPolicy()]);
    e.addDnsAddress('www.nist.local', 4, '10.77.2.5', 1);
    await e.flush();
    expect(list(`set inet edgeward ${dnsSetName('www.nist.local', 4)}`)).toContain('10.77.2.5');
    await sleep(1600);
    expect(list(`set inet edgeward ${dnsSetName('www.nist.local', 4)}`)).not.toContain('10.77.2.5');
  });

  it('fail-open: the liveness element expires without heartbeats (a crash), refreshes with them, and stop() removes the table', async () => {
    const e = new NftEnforcer({ failMode: 'open', netns: ns, aliveTimeoutSeconds: 1, heartbeatSeconds: 0.3 });
    await e.apply([dnsPolicy()]);
    expect(list('set inet edgeward alive')).toMatch(/0x00000000 timeout 1s/);
    await sleep(1500); // no heartbeat running: as after SIGKILL
    expect(list('set inet edgeward alive')).not.toContain('0x00000000');
    e.start();
    await sleep(1500); // heartbeats keep it alive past its 1 s timeout
    expect(list('set inet edgeward alive')).toContain('0x00000000');
    await e.stop();
    expect(tableExists()).toBe(false);
  });

  it('quarantines a device without a profile and reports nft errors with a stable code', async () => {
    const e = new NftEnforcer({ failMode: 'open', netns: ns });
    await e.apply([], [0x02000000000c]);
    expect(list('table inet edgeward')).toMatch(/chain dev_02000000000c_from \{\s+meta mark @alive counter packets 0 bytes 0 drop comment "edgeward: quarantined, no MUD profile"/);
    const bad = new NftEnforcer({ failMode: 'open', netns: `${ns}-missing` });
    await expect(bad.apply([])).rejects.toMatchObject({ code: 'enforce.nft_failed' });
    await e.stop();
  });
});
