// Response actions on a real SQLite file with a recording enforcement: quarantine and block are
// recorded and enforced, answered once while active, released; the emergency list and the gateway
// are refused (an address, an address inside an emergency network, a network holding one); active
// actions are re-applied by a new instance over the same file (a restart). Also the two pieces of
// enforcement they drive: MudPolicy.hold (a held device leaves its profile for the quarantine
// default and comes back) and the block sets of the rendered nftables table.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMac } from '../../../gateway/common/address-text.js';
import { MudPolicy, type Enforcement } from '../../../gateway/policy/mud-policy.js';
import { POLICY_DEFAULTS } from '../../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../../gateway/policy/profile-store.js';
import { ResponseActions, type ResponseEnforcement } from '../../../gateway/response/response-actions.js';
import { ResponseError, type ResponseErrorCode } from '../../../gateway/response/response-errors.js';
import { openDatabase, type Db } from '../../../gateway/store/database.js';
import { compileProfile, parseMud } from '../../../policies/index.js';
import { renderNftTable } from '../../../policies/nft/render-nft.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { fixture } from '../../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'edgeward-response-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEV = '02:00:00:00:00:0a';
const EMERGENCY = ['192.0.2.0/28', '2001:db8::53'];
const GATEWAY = ['10.0.0.1'];
const T0 = Date.UTC(2026, 0, 1);

/** An enforcement that records each call and answers `enforced`. */
function recorder(enforced = true): ResponseEnforcement & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    holdDevice: (mac, on) => { calls.push(`hold ${mac.toString(16)} ${on}`); return Promise.resolve(enforced); },
    blockPeers: (peers) => { calls.push(`block [${peers.join(' ')}]`); return Promise.resolve(enforced); },
  };
}

let dbs = 0;
function setup(enforcement = recorder(), file = join(dir, `actions-${++dbs}.sqlite`)): { r: ResponseActions; enforcement: typeof enforcement; db: Db; file: string } {
  const db = openDatabase(file);
  let tick = 0;
  const r = new ResponseActions(db, {
    emergency: EMERGENCY, gatewayAddresses: GATEWAY, enforcement,
    deviceAddresses: (mac) => (mac === '02:00:00:00:00:99' ? ['192.0.2.5'] : mac === DEV ? ['10.0.0.20'] : []),
    now: () => new Date(T0 + 1000 * tick++),
  });
  return { r, enforcement, db, file };
}

async function refusal(p: Promise<unknown>): Promise<{ code: ResponseErrorCode; paths: string[] }> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(ResponseError);
  const re = e as ResponseError;
  return { code: re.code, paths: re.details.map((d) => d.path) };
}

describe('response actions', () => {
  it('quarantines a device: recorded with who, incident and note, enforced, answered once while active, released', async () => {
    const { r, enforcement, db } = setup();
    const t = await r.take({ kind: 'quarantine', device: '02-00-00-00-00-0A' }, { by: 'ana (tok1)', incident: 'inc-7', note: 'mirai chain' });
    expect(t.created).toBe(true);
    expect(t.action).toMatchObject({
      kind: 'quarantine', device: DEV, peer: null, incident: 'inc-7', note: 'mirai chain', state: 'active', enforced: true,
      by: 'ana (tok1)', at: new Date(T0).toISOString(), releasedBy: null, releasedAt: null,
    });
    expect(t.action.id).toMatch(/^act_[0-9a-f]{16}$/);
    // The same quarantine again is the active one, not a second row.
    const again = await r.take({ kind: 'quarantine', device: DEV }, { by: 'bob (tok2)' });
    expect(again).toEqual({ action: t.action, created: false });
    expect(enforcement.calls).toEqual(['hold 2000000000a true']);
    expect(db.prepare('SELECT count(*) AS n FROM response_actions').get()).toEqual({ n: 1 });

    const rel = await r.release(t.action.id, 'bob (tok2)');
    expect(rel).toMatchObject({ state: 'released', releasedBy: 'bob (tok2)', releasedAt: expect.any(String) as string, enforced: true });
    expect(enforcement.calls).toEqual(['hold 2000000000a true', 'hold 2000000000a false']);
    // Releasing again changes nothing; an unknown id is action.not-found.
    expect(await r.release(t.action.id, 'carol')).toEqual(rel);
    expect(enforcement.calls).toHaveLength(2);
    expect((await refusal(r.release('act_nope', 'carol'))).code).toBe('action.not-found');
    // A new quarantine after the release is a new action.
    const next = await r.take({ kind: 'quarantine', device: DEV }, { by: 'ana (tok1)', incident: 'inc-7' });
    expect(next.created).toBe(true);
    expect(r.list({ incident: 'inc-7' }).map((a) => [a.id, a.state])).toEqual([[next.action.id, 'active'], [t.action.id, 'released']]);
    expect(r.list({ state: 'released' }).map((a) => a.id)).toEqual([t.action.id]);
  });

  it('blocks peers as canonical addresses and networks; each change sends the whole active list; release takes one out', async () => {
    const { r, enforcement } = setup();
    const a = await r.take({ kind: 'block', peer: ' 203.0.113.7 ' }, { by: 'ana' });
    const b = await r.take({ kind: 'block', peer: '2001:DB8:0:1::/64' }, { by: 'ana' });
    expect([a.action.peer, b.action.peer, a.action.device]).toEqual(['203.0.113.7', '2001:db8:0:1::/64', null]);
    expect((await r.take({ kind: 'block', peer: '203.0.113.7/32' }, { by: 'bob' })).created).toBe(false);
    await r.release(a.action.id, 'bob');
    expect(enforcement.calls).toEqual(['block [203.0.113.7]', 'block [203.0.113.7 2001:db8:0:1::/64]', 'block [2001:db8:0:1::/64]']);
    expect(r.activePeers()).toEqual(['2001:db8:0:1::/64']);
  });

  it('never blocks the emergency list or the gateway: the address, one inside an emergency network, a network holding one; nor quarantines a device holding one', async () => {
    const { r, enforcement } = setup();
    const refused = [
      { kind: 'block' as const, peer: '192.0.2.0/28' }, // the emergency entry itself
      { kind: 'block' as const, peer: '192.0.2.9' }, // an address inside the emergency network
      { kind: 'block' as const, peer: '192.0.0.0/16' }, // a network holding the emergency network
      { kind: 'block' as const, peer: '0.0.0.0/0' },
      { kind: 'block' as const, peer: '2001:db8::/32' }, // holds the IPv6 emergency address
      { kind: 'block' as const, peer: '10.0.0.1' }, // the gateway
      { kind: 'block' as const, peer: '10.0.0.0/24' }, // the gateway's network
      { kind: 'quarantine' as const, device: '02:00:00:00:00:99' }, // holds 192.0.2.5
    ];
    for (const req of refused) expect((await refusal(r.take(req, { by: 'ana' }))).code, JSON.stringify(req)).toBe('action.emergency');
    // Next to them is fine.
    expect((await r.take({ kind: 'block', peer: '192.0.2.16/28' }, { by: 'ana' })).created).toBe(true);
    expect(enforcement.calls).toEqual(['block [192.0.2.16/28]']);
    expect(r.list().map((x) => x.peer)).toEqual(['192.0.2.16/28']);
  });

  it('refuses malformed requests with every fault named by path, recording nothing', async () => {
    const { r, enforcement } = setup();
    expect(await refusal(r.take({ kind: 'quarantine', device: '02:00:00:00:00' }, { by: 'ana', note: 'bad\u0007bell', incident: 'x'.repeat(201) })))
      .toEqual({ code: 'action.invalid', paths: ['/device', '/incident', '/note'] });
    expect((await refusal(r.take({ kind: 'block', peer: 'example.com' }, { by: 'ana' }))).paths).toEqual(['/peer']);
    // Host bits past the prefix: the operator says which network, not the gateway.
    expect((await refusal(r.take({ kind: 'block', peer: '203.0.113.7/24' }, { by: 'ana' }))).paths).toEqual(['/peer']);
    expect((await refusal(r.take({ kind: 'wipe' } as never, { by: 'ana' }))).paths).toEqual(['/kind']);
    // A note may have several lines.
    expect((await r.take({ kind: 'block', peer: '203.0.113.0/24' }, { by: 'ana', note: 'seen in\n\tthe feed' })).action.note).toBe('seen in\n\tthe feed');
    expect(enforcement.calls).toEqual(['block [203.0.113.0/24]']);
  });

  it('records enforced=false when enforcement only records (monitor mode)', async () => {
    const { r } = setup(recorder(false));
    expect((await r.take({ kind: 'quarantine', device: DEV }, { by: 'ana' })).action).toMatchObject({ state: 'active', enforced: false });
  });

  it('a restart re-applies the active actions, not the released ones, and records whether they are enforced now', async () => {
    const monitor = setup(recorder(false));
    const q = await monitor.r.take({ kind: 'quarantine', device: DEV }, { by: 'ana' });
    await monitor.r.take({ kind: 'block', peer: '198.51.100.0/24' }, { by: 'ana' });
    const gone = await monitor.r.take({ kind: 'block', peer: '198.51.100.77' }, { by: 'ana' });
    const goneQ = await monitor.r.take({ kind: 'quarantine', device: '02:00:00:00:00:0b' }, { by: 'ana' });
    await monitor.r.release(gone.action.id, 'ana');
    await monitor.r.release(goneQ.action.id, 'ana');
    expect(monitor.r.get(q.action.id)!.enforced).toBe(false);
    monitor.db.close();

    // The gateway comes back in enforce mode on the same database.
    const again = setup(recorder(true), monitor.file);
    expect(await again.r.restore()).toBe(2);
    expect(again.enforcement.calls).toEqual(['block [198.51.100.0/24]', 'hold 2000000000a true']);
    expect(again.r.list({ state: 'active' }).map((a) => [a.kind, a.device ?? a.peer, a.enforced])).toEqual([
      ['block', '198.51.100.0/24', true], ['quarantine', DEV, true],
    ]);
    expect(again.r.get(gone.action.id)).toMatchObject({ state: 'released', enforced: false });
    again.db.close();
  });
});

describe('MudPolicy.hold', () => {
  it('holds a bound device to the quarantine default (its profile set aside) and gives it back; compliance follows', async () => {
    const { host, devices } = fakeHost();
    const calls: string[] = [];
    const enforcement: Enforcement = {
      apply: (policies, quarantined) => {
        calls.push(`apply [${policies.map((p) => p.context.deviceMac).join(',')}] q=[${quarantined.map((m) => m.toString(16)).join(',')}]`);
        return Promise.resolve();
      },
      addDeviceAddress: (mac, _family, a) => void calls.push(`addr ${mac.toString(16)} ${a}`),
      addDnsAddress: () => {},
    };
    const store = new ProfileStore();
    store.bind(DEV, fixture('mud/nist-mud/mudfile-dns-test.json'));
    const policy = new MudPolicy(host, { ...POLICY_DEFAULTS, mode: 'enforce' }, store, enforcement);
    const d = devices.touch(parseMac(DEV), T0 * 1000, 60)!;
    devices.learnIpv4(d, 0x0a000014);
    policy.onDeviceNew(d, T0 * 1000);
    await policy.settled();
    expect(policy.isQuarantined(d.macNum)).toBe(false);

    expect(await policy.hold(d.macNum, true)).toBe(true);
    expect(policy.isQuarantined(d.macNum)).toBe(true);
    expect(policy.policyOf(d.macNum)).toBeDefined(); // still bound: released, it goes back to it
    expect(await policy.hold(d.macNum, false)).toBe(true);
    expect(policy.isQuarantined(d.macNum)).toBe(false);
    expect(calls).toEqual([`apply [${DEV}] q=[]`, 'addr 2000000000a 10.0.0.20', 'apply [] q=[2000000000a]', `apply [${DEV}] q=[]`]);

    // Without enforcement (monitor mode) the hold is recorded only.
    const monitor = new MudPolicy(host, { ...POLICY_DEFAULTS }, store, null);
    expect(await monitor.hold(d.macNum, true)).toBe(false);
    expect(monitor.isQuarantined(d.macNum)).toBe(true);
  });
});

describe('block sets in the nftables table', () => {
  it('renders the blocked peers as interval sets dropped both ways after the emergency accepts, guarded; none without the option', () => {
    const r = parseMud(readFileSync(fixture('mud/nist-mud/mudfile-dns-test.json'), 'utf8'));
    if (!r.ok) throw new Error('fixture refused');
    const p = compileProfile(r.profile, { deviceMac: DEV });
    const { script, sets } = renderNftTable([p], { guard: true, emergency: ['192.0.2.9'], blocked: ['198.51.100.0/24', '198.51.100.7', '2001:db8:1::/48'] });
    expect(sets).toEqual(expect.arrayContaining(['block_v4', 'block_v6']));
    // The address inside the blocked network is covered by it (an interval set refuses the overlap).
    expect(script).toMatch(/set block_v4 \{[^}]*flags interval;[^}]*elements = \{ 198\.51\.100\.0\/24 \}/);
    expect(script).toMatch(/set block_v6 \{[^}]*elements = \{ 2001:db8:1::\/48 \}/);
    const forward = script.slice(script.indexOf('chain forward {'));
    const lines = forward.split('\n').map((l) => l.trim());
    const emergencyLast = lines.indexOf('ip6 saddr @emergency_v6 accept');
    const blockFirst = lines.findIndex((l) => l.startsWith('ip daddr @block_v4'));
    const dispatch = lines.findIndex((l) => l.startsWith('ether saddr'));
    expect(emergencyLast).toBeGreaterThan(0);
    expect(blockFirst).toBe(emergencyLast + 1);
    expect(dispatch).toBe(blockFirst + 4);
    expect(lines[blockFirst + 1]).toBe('ip saddr @block_v4 meta mark & 0x00000000 @alive counter drop comment "edgeward: blocked peer (response action)"');
    expect(lines[blockFirst + 3]).toMatch(/^ip6 saddr @block_v6 meta mark & 0x00000000 @alive counter drop/);
    // Empty, the sets are still there (a block is then one element change), without elements.
    const empty = renderNftTable([p], { guard: true, blocked: [] }).script;
    expect(empty).toMatch(/set block_v4 \{\n\s+type ipv4_addr;\n\s+flags interval;\n\s+\}/);
    expect(renderNftTable([p], { guard: true }).script).not.toContain('block_v4');
  });
});
