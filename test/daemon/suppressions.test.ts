// Must show (issue 17): a suppression silences exactly its scope until its expiry, and the counts
// add up. A real daemon (SQLite file, HTTP API) with a fake wall clock: alert inputs across rules,
// devices, peers (IPv4 and IPv6) and ports go through the daemon's AlertManager; two suppressions
// made over the API silence exactly the matching ones, which are counted and listed; a restart
// keeps the suppressions and their counts; past the expiry the same inputs raise again; and
// raised + suppressed occurrences equal the inputs at every step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../gateway/alerts/alert.js';
import type { RuleId } from '../../gateway/alerts/rules.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const S = 1e6;
/** Packet time of the first round, µs. */
const T = Date.UTC(2026, 2, 1) * 1000;
const DEVICES = [{ mac: '02:00:00:00:5a:01', ip: '192.168.1.10' }, { mac: '02:00:00:00:5a:02', ip: '192.168.1.11' }];
const RULES: RuleId[] = ['scan.port', 'beacon.c2'];
const PEERS = ['203.0.113.5', '198.51.100.9', '2001:db8:1::7'];
const PORTS = [23, 443];

/** Every combination once, each its own deduplication key (peer includes the port), at packet time `ts`. */
function inputs(ts: number): AlertInput[] {
  const out: AlertInput[] = [];
  for (const rule of RULES) {
    for (const d of DEVICES) {
      for (const dst of PEERS) {
        for (const dport of PORTS) {
          out.push({
            rule, ts, device: d.mac, src: d.ip, dst, proto: 'tcp', sport: 40000, dport, peer: `${dst}/${dport}`,
            message: `${rule} from ${d.mac} to ${dst}:${dport}`, evidence: {},
          });
        }
      }
    }
  }
  return out;
}

/** The two scopes and the inputs each must silence (by the fields that decide). */
const SCOPE_A = { rule: 'beacon.c2', device: DEVICES[0]!.mac, peer: '203.0.113.0/24' };
const SCOPE_B = { peer: '2001:db8::/32', port: 443 };
const inA = (i: AlertInput) => i.rule === 'beacon.c2' && i.device === DEVICES[0]!.mac && i.dst.startsWith('203.0.113.');
const inB = (i: AlertInput) => i.dst.startsWith('2001:db8:') && i.dport === 443;

interface Sup { id: string; state: string; suppressed: number; lastSuppressedAt: string | null; createdBy: string; reason: string; rule: string | null; device: string | null; peer: string | null; port: number | null }
interface Hit { rule: string; device: string | null; src: string; dst: string; dport: number | null; count: number; ts: string; message: string }

let t: TestDaemon;
/** The daemon's wall clock, ms (suppression expiry reads it). */
let clock = Date.UTC(2026, 2, 1, 9);
let raised = 0;
let silenced = 0;
let given = 0;

beforeAll(async () => {
  t = await startTestDaemon({}, { now: () => clock });
});
afterAll(async () => { await t.close(); });

async function json<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: T }> {
  const res = await t.api(path, { token: t.tokens.analyst, ...init });
  return { status: res.status, body: (await res.json()) as T };
}

/** Raises `list` through the daemon's alert manager; returns the inputs that raised (not silenced). */
function raise(list: AlertInput[]): AlertInput[] {
  const through = list.filter((i) => t.daemon.alerts.raise(i) !== null);
  t.daemon.alerts.flush();
  given += list.length;
  raised += through.length;
  silenced += list.length - through.length;
  return through;
}

/** Occurrences in the stored alerts (the sum of their counts), from the API. */
async function storedOccurrences(): Promise<number> {
  const { body } = await json<{ items: { count: number }[]; total: number }>('/api/v1/alerts?limit=1000');
  expect(body.items.length).toBe(body.total);
  return body.items.reduce((n, a) => n + a.count, 0);
}

async function sups(): Promise<Map<string, Sup>> {
  const { body } = await json<{ items: Sup[] }>('/api/v1/suppressions');
  return new Map(body.items.map((s) => [s.id, s]));
}

describe('a suppression silences exactly its scope until its expiry; the counts add up', () => {
  let a: Sup;
  let b: Sup;

  it('makes two suppressions over the API (who and why recorded)', async () => {
    const post = (body: Record<string, unknown>) => json<{ suppression: Sup }>('/api/v1/suppressions', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const ra = await post({ ...SCOPE_A, expiresInSeconds: 3600, reason: 'vendor cloud heartbeat, confirmed with the owner' });
    const rb = await post({ ...SCOPE_B, expiresAt: new Date(clock + 7200_000).toISOString(), reason: 'test network' });
    expect([ra.status, rb.status]).toEqual([201, 201]);
    a = ra.body.suppression;
    b = rb.body.suppression;
    expect(a).toMatchObject({ ...SCOPE_A, port: null, state: 'active', suppressed: 0, reason: 'vendor cloud heartbeat, confirmed with the owner' });
    expect(a.createdBy).toMatch(/^test analyst \(/);
    expect(b).toMatchObject({ rule: null, device: null, ...SCOPE_B, state: 'active' });
  });

  it('silences exactly the matching inputs; the others raise', async () => {
    const list = inputs(T);
    const through = raise(list);
    const expectedSilenced = list.filter((i) => inA(i) || inB(i));
    // 2 of scope A (both ports), 4 of scope B (both rules, both devices), none in both.
    expect(expectedSilenced.length).toBe(6);
    expect(through).toEqual(list.filter((i) => !inA(i) && !inB(i)));
    expect(await storedOccurrences()).toBe(raised);
    const s = await sups();
    expect(s.get(a.id)!.suppressed).toBe(2);
    expect(s.get(b.id)!.suppressed).toBe(4);
    expect(raised + s.get(a.id)!.suppressed + s.get(b.id)!.suppressed).toBe(given);
  });

  it('lists what each silenced', async () => {
    const { status, body } = await json<{ items: Hit[]; total: number }>(`/api/v1/suppressions/${a.id}/hits`);
    expect(status).toBe(200);
    expect(body.total).toBe(2);
    expect(body.items.map((h) => `${h.rule} ${h.device} ${h.src}>${h.dst}:${h.dport} x${h.count}`).sort()).toEqual([
      `beacon.c2 ${DEVICES[0]!.mac} 192.168.1.10>203.0.113.5:23 x1`, `beacon.c2 ${DEVICES[0]!.mac} 192.168.1.10>203.0.113.5:443 x1`,
    ]);
    expect(body.items[0]!.ts).toBe('2026-03-01T00:00:00.000000Z');
    expect(body.items[0]!.message).toContain('beacon.c2 from');
    const hb = await json<{ items: Hit[]; total: number }>(`/api/v1/suppressions/${b.id}/hits`);
    expect(hb.body.items.map((h) => `${h.rule} ${h.device} ${h.dst}:${h.dport}`).sort()).toEqual(
      inputs(T).filter(inB).map((i) => `${i.rule} ${i.device} ${i.dst}:${i.dport}`).sort());
  });

  it('keeps the suppressions and their counts across a restart, and goes on silencing', async () => {
    await t.restart();
    let s = await sups();
    expect(s.get(a.id)).toMatchObject({ state: 'active', suppressed: 2, lastSuppressedAt: '2026-03-01T00:00:00.000000Z' });
    expect(s.get(b.id)).toMatchObject({ state: 'active', suppressed: 4 });
    const through = raise(inputs(T + 60 * S));
    expect(through.some((i) => inA(i) || inB(i))).toBe(false);
    expect(through.length).toBe(18);
    s = await sups();
    expect([s.get(a.id)!.suppressed, s.get(b.id)!.suppressed]).toEqual([4, 8]);
    expect(s.get(a.id)!.lastSuppressedAt).toBe('2026-03-01T00:01:00.000000Z');
    expect(await storedOccurrences()).toBe(raised);
    expect(raised + 4 + 8).toBe(given);
    // The silenced inputs are counted as a named event and per suppression in Prometheus.
    expect(t.daemon.events.toJSON()['alert.suppressed']).toBe(6);
    const metrics = await (await t.api('/metrics', { token: t.tokens.analyst })).text();
    expect(metrics).toContain(`edgeward_alerts_suppressed_total{suppression="${a.id}"} 4`);
    expect(metrics).toContain(`edgeward_alerts_suppressed_total{suppression="${b.id}"} 8`);
    expect(metrics).toContain('edgeward_events_total{event="alert.suppressed"} 6');
  });

  it('past the expiry the same inputs raise again, and the suppression says expired', async () => {
    // Past A's expiry (1 h), not B's (2 h): only B still silences.
    clock += 3600_000;
    let through = raise(inputs(T + 120 * S));
    expect(through.length).toBe(20);
    expect(through.filter(inA).length).toBe(2);
    let s = await sups();
    expect(s.get(a.id)).toMatchObject({ state: 'expired', suppressed: 4 });
    expect(s.get(b.id)).toMatchObject({ state: 'active', suppressed: 12 });
    clock += 3600_000;
    through = raise(inputs(T + 180 * S));
    expect(through.length).toBe(24);
    s = await sups();
    expect(s.get(b.id)).toMatchObject({ state: 'expired', suppressed: 12 });
    expect((await json<{ items: Sup[] }>('/api/v1/suppressions?state=active')).body.items).toEqual([]);
    // Every input is either in a stored alert's count or in a suppression's count.
    expect(await storedOccurrences()).toBe(raised);
    expect(raised + s.get(a.id)!.suppressed + s.get(b.id)!.suppressed).toBe(given);
    expect([given, raised, silenced]).toEqual([96, 80, 16]);
  });
});
