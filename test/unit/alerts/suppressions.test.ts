// Suppressions over a real SQLite file with a fake wall clock: what each scope part matches (IPv4
// and IPv6 networks on source or destination, IPv4-mapped addresses, ports either side, devices),
// every fault of a refused request with its path, expiry, the bounded table of silenced inputs
// (oldest pruned, counts kept), a failed write that loses nothing, and the AlertManager wiring.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../../gateway/alerts/alert.js';
import { ALERTS_DEFAULTS, AlertManager } from '../../../gateway/alerts/alert-manager.js';
import { SUPPRESSIONS_DEFAULTS, type SuppressionsConfig } from '../../../gateway/alerts/suppression-config.js';
import { ipv4Bits } from '../../../gateway/alerts/suppression-matcher.js';
import { parseSuppressionRequest } from '../../../gateway/alerts/suppression.js';
import { Suppressions } from '../../../gateway/alerts/suppressions.js';
import { DecodeCounters } from '../../../gateway/common/events.js';
import { openDatabase, type Db } from '../../../gateway/store/database.js';

const S = 1e6;
/** Packet time of the inputs, µs. */
const T = Date.UTC(2026, 0, 1) * 1000;
/** Wall clock at the start of each test, ms. */
const NOW = Date.UTC(2026, 0, 1, 12);
const DEV_A = '02:00:00:00:00:0a';
const DEV_B = '02:00:00:00:00:0b';

function input(over: Partial<AlertInput> = {}): AlertInput {
  return {
    rule: 'beacon.c2', ts: T, device: DEV_A, src: '192.168.1.10', dst: '203.0.113.5', proto: 'tcp',
    sport: 40000, dport: 443, message: 'periodic check-ins', evidence: {}, ...over,
  };
}

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) if (d.open) d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(cfg: Partial<SuppressionsConfig> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-suppr-'));
  dirs.push(dir);
  const db = openDatabase(join(dir, 'e.sqlite'));
  dbs.push(db);
  const clock = { now: NOW };
  const counters = new DecodeCounters();
  const errors: (Error | null)[] = [];
  const s = new Suppressions(db, { config: { ...SUPPRESSIONS_DEFAULTS, ...cfg }, now: () => clock.now, counters, onWriteError: (e) => errors.push(e) });
  const make = (body: Record<string, unknown>) => {
    const r = s.create({ expiresInSeconds: 3600, reason: 'test', ...body }, 'tester');
    if (!r.ok) throw new Error(JSON.stringify(r));
    return r.suppression;
  };
  return { dir, db, s, clock, counters, errors, make };
}

describe('what a suppression matches', () => {
  it('a network on the source or the destination, IPv4 and IPv6, and IPv4-mapped addresses', () => {
    const { s, make } = setup();
    make({ peer: '203.0.113.0/24' });
    make({ peer: '2001:db8::/32' });
    const silenced = (i: Partial<AlertInput>) => s.suppressor(input(i));
    expect(silenced({})).toBe(true);
    expect(silenced({ src: '203.0.113.200', dst: '192.168.1.10' })).toBe(true);
    expect(silenced({ dst: '::ffff:203.0.113.9' })).toBe(true);
    expect(silenced({ dst: '203.0.114.5' })).toBe(false);
    expect(silenced({ src: 'fe80::1', dst: '2001:db8:7::1' })).toBe(true);
    expect(silenced({ src: 'fe80::1', dst: '2001:db9::1' })).toBe(false);
    // Not addresses: nothing to match (device.new has an empty destination).
    expect(silenced({ src: '', dst: '' })).toBe(false);
  });

  it('a host address exactly, a port on either side, a device, a rule — every set part at once', () => {
    const { s, make } = setup();
    make({ rule: 'scan.port', device: DEV_B, peer: '198.51.100.7', port: 2323 });
    const base = { rule: 'scan.port' as const, device: DEV_B, src: '198.51.100.7', dst: '192.168.1.11', sport: 2323, dport: 51000 };
    expect(s.suppressor(input(base))).toBe(true);
    expect(s.suppressor(input({ ...base, sport: 51000, dport: 2323 }))).toBe(true);
    expect(s.suppressor(input({ ...base, sport: 1, dport: 2 }))).toBe(false);
    expect(s.suppressor(input({ ...base, src: '198.51.100.8' }))).toBe(false);
    expect(s.suppressor(input({ ...base, device: DEV_A }))).toBe(false);
    expect(s.suppressor(input({ ...base, device: null }))).toBe(false);
    expect(s.suppressor(input({ ...base, rule: 'scan.host' }))).toBe(false);
  });

  it('counts an input once, to the most specific suppression, and n occurrences for count n', () => {
    const { s, make, counters } = setup();
    const wide = make({ rule: 'beacon.c2' });
    const narrow = make({ rule: 'beacon.c2', device: DEV_A });
    expect(s.suppressor(input({ count: 5 }))).toBe(true);
    expect(s.suppressor(input({ device: DEV_B }))).toBe(true);
    // A count-0 input (an evidence update) is silenced but is no occurrence.
    expect(s.suppressor(input({ count: 0 }))).toBe(true);
    const byId = new Map(s.list().map((x) => [x.id, x]));
    expect(byId.get(narrow.id)!.suppressed).toBe(5);
    expect(byId.get(wide.id)!.suppressed).toBe(1);
    expect(counters.toJSON()['alert.suppressed']).toBe(3);
    expect(s.hits(narrow.id)!.items.map((h) => h.count)).toEqual([5]);
  });

  it('reads dotted quads without allocating and refuses what is not one', () => {
    expect(ipv4Bits('203.0.113.5')).toBe(0xcb007105);
    expect(ipv4Bits('::ffff:10.0.0.1')).toBe(0x0a000001);
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', 'a.b.c.d', '2001:db8::1', '1.2.3.4 ']) expect(ipv4Bits(bad), bad).toBe(-1);
  });
});

describe('requests', () => {
  it('reports every fault with its JSON path', () => {
    const r = parseSuppressionRequest({ rule: 'no.such', device: 'nope', peer: '10.1.2.3/8', port: 70000, expiresInSeconds: 0, reason: ' ', extra: 1 }, NOW, 86400);
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems.map((p) => `${p.path} ${p.code}`).sort()).toEqual([
      '/device mac', '/expiresInSeconds range', '/extra unknown', '/peer host-bits', '/port range', '/reason required', '/rule enum',
    ]);
    expect(problems.find((p) => p.path === '/peer')!.message).toContain('10.0.0.0/8');
  });

  it('needs a scope, one expiry within the maximum, in the future', () => {
    const paths = (b: Record<string, unknown>) => { const r = parseSuppressionRequest(b, NOW, 86400); return r.ok ? [] : r.problems.map((p) => `${p.path} ${p.code}`); };
    expect(paths({ reason: 'x', expiresInSeconds: 60 })).toEqual([' scope-required']);
    expect(paths({ rule: null, device: null, peer: null, port: null, reason: 'x', expiresInSeconds: 60 })).toEqual([' scope-required']);
    expect(paths({ port: 23, reason: 'x' })).toEqual(['/expiresAt required']);
    expect(paths({ port: 23, reason: 'x', expiresAt: new Date(NOW + 1000).toISOString(), expiresInSeconds: 5 })).toEqual(['/expiresInSeconds exclusive']);
    expect(paths({ port: 23, reason: 'x', expiresAt: new Date(NOW - 1000).toISOString() })).toEqual(['/expiresAt past']);
    expect(paths({ port: 23, reason: 'x', expiresAt: new Date(NOW + 86401_000).toISOString() })).toEqual(['/expiresAt range']);
    expect(paths({ port: 23, reason: 'x', expiresAt: 'tomorrow' })).toEqual(['/expiresAt time']);
    expect(paths({ port: 23, reason: 'x', expiresInSeconds: 86401 })).toEqual(['/expiresInSeconds range']);
    const ok = parseSuppressionRequest({ device: '02-00-00-00-00-0A', peer: ' 2001:DB8:0::/48 ', reason: ' why ', expiresAt: '2026-01-01T13:00:00Z' }, NOW, 86400);
    expect(ok).toEqual({ ok: true, value: { rule: null, device: DEV_A, peer: '2001:db8::/48', port: null, expiresAtMs: NOW + 3600_000, reason: 'why' } });
  });
});

describe('expiry, the table of silenced inputs, writes', () => {
  it('stops silencing at its expiry on the wall clock, and says expired', () => {
    const { s, clock, make } = setup();
    const sup = make({ device: DEV_A, expiresInSeconds: 60 });
    expect(s.suppressor(input())).toBe(true);
    clock.now = NOW + 59_999;
    expect(s.suppressor(input())).toBe(true);
    clock.now = NOW + 60_000;
    expect(s.suppressor(input())).toBe(false);
    s.flush();
    expect(s.activeCount).toBe(0);
    expect(s.get(sup.id)).toMatchObject({ state: 'expired', suppressed: 2 });
    expect(s.list('active')).toEqual([]);
    expect(s.list('expired').map((x) => x.id)).toEqual([sup.id]);
  });

  it('keeps the newest hitsKept silenced inputs of all suppressions; the counts keep everything', () => {
    const { s, db, make } = setup({ hitsKept: 3 });
    const a = make({ device: DEV_A });
    const b = make({ device: DEV_B });
    for (let i = 0; i < 3; i++) s.suppressor(input({ ts: T + i * S, dport: 1000 + i }));
    s.flush();
    // Five more between two flushes than the table keeps: the ring keeps the newest three.
    for (let i = 0; i < 5; i++) s.suppressor(input({ device: DEV_B, ts: T + (10 + i) * S, dport: 2000 + i }));
    s.flush();
    expect(s.hitsOverwritten).toBe(2);
    expect((db.prepare('SELECT count(*) AS n FROM suppressed_alerts').get() as { n: number }).n).toBe(3);
    expect(s.hits(b.id)!.items.map((h) => h.dport)).toEqual([2004, 2003, 2002]);
    expect(s.hits(a.id)).toEqual({ items: [], total: 0, next: null });
    expect(s.get(a.id)).toMatchObject({ suppressed: 3, lastSuppressedAt: '2026-01-01T00:00:02.000000Z' });
    expect(s.get(b.id)!.suppressed).toBe(5);
    expect(s.hits('sup-nope')).toBeNull();
  });

  it('pages the silenced inputs newest first', () => {
    const { s, make } = setup();
    const a = make({ device: DEV_A });
    for (let i = 0; i < 5; i++) s.suppressor(input({ ts: T + i * S, dport: 1000 + i }));
    const p1 = s.hits(a.id, 2)!;
    expect([p1.total, p1.items.map((h) => h.dport)]).toEqual([5, [1004, 1003]]);
    const p2 = s.hits(a.id, 2, p1.next!)!;
    expect(p2.items.map((h) => h.dport)).toEqual([1002, 1001]);
    expect(s.hits(a.id, 2, p2.next!)!).toMatchObject({ next: null, items: [{ dport: 1000, src: '192.168.1.10', dst: '203.0.113.5', rule: 'beacon.c2', ts: '2026-01-01T00:00:00.000000Z' }] });
  });

  it('keeps counts and inputs pending while SQLite cannot write, and writes them when it can', () => {
    const { s, make, db, errors } = setup();
    const a = make({ device: DEV_A });
    s.suppressor(input());
    // A read-only database file: the flush fails like a full disk does.
    db.pragma('query_only = 1');
    s.suppressor(input({ ts: T + S }));
    s.flush();
    expect(errors.map((e) => e?.constructor.name ?? null)).toEqual(['SqliteError']);
    db.pragma('query_only = 0');
    s.flush();
    expect(errors.at(-1)).toBeNull();
    expect(s.get(a.id)!.suppressed).toBe(2);
    expect(s.hits(a.id)!.total).toBe(2);
  });
});

describe('in the alert manager', () => {
  it('silences before deduplication: the others raise, a removed suppression silences nothing', () => {
    const { s, make } = setup();
    const m = new AlertManager(ALERTS_DEFAULTS);
    m.setSuppressor(s.suppressor);
    const sup = make({ rule: 'scan.port' });
    expect(m.raise(input({ rule: 'scan.port' }))).toBeNull();
    expect(m.raise(input())).not.toBeNull();
    expect(s.remove(sup.id, 'someone')).toMatchObject({ state: 'removed', removedBy: 'someone', suppressed: 1 });
    expect(s.remove(sup.id, 'someone else')).toMatchObject({ removedBy: 'someone' });
    expect(s.remove('sup-nope', 'x')).toBeNull();
    expect(m.raise(input({ rule: 'scan.port' }))).not.toBeNull();
    expect(m.all().map((a) => a.rule)).toEqual(['beacon.c2', 'scan.port']);
  });

  it('refuses more than maxActive active suppressions; an expired one makes room', () => {
    const { s, clock, make } = setup({ maxActive: 1 });
    make({ port: 23, expiresInSeconds: 10 });
    expect(s.create({ port: 24, expiresInSeconds: 10, reason: 'x' }, 'me')).toEqual({ ok: false, code: 'limit', max: 1 });
    clock.now += 10_000;
    expect(s.create({ port: 24, expiresInSeconds: 10, reason: 'x' }, 'me').ok).toBe(true);
  });
});
