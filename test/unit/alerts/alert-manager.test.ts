// The alert manager: dedup by (rule, device, peer) inside the window, new alert after it, storm
// folding, the open-entry cap, deterministic ids, and persistence before listeners see an alert.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../../gateway/alerts/alert.js';
import { ALERTS_DEFAULTS, AlertManager } from '../../../gateway/alerts/alert-manager.js';
import { iso } from '../../../gateway/common/packet-time.js';
import { AlertStore } from '../../../gateway/alerts/alert-store.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;

function input(over: Partial<AlertInput> = {}): AlertInput {
  return {
    rule: 'scan.port', ts: T, device: 'aa:bb:cc:dd:ee:01', src: '10.0.0.5', dst: '203.0.113.9', proto: 'tcp',
    sport: null, dport: null, message: 'port scan', evidence: { ports: 30 }, ...over,
  };
}

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function tempDb(): string {
  const d = mkdtempSync(join(tmpdir(), 'edgeward-alerts-'));
  dirs.push(d);
  return join(d, 'alerts.sqlite');
}

describe('AlertManager', () => {
  it('folds repeats of (rule, device, peer) inside the window into one alert with a count', () => {
    const m = new AlertManager(ALERTS_DEFAULTS);
    const a = m.raise(input());
    const b = m.raise(input({ ts: T + 10 * S, evidence: { ports: 45 } }));
    expect(b).toBe(a);
    expect(a).toMatchObject({ count: 2, severity: 'high', firstTs: iso(T), lastTs: iso(T + 10 * S), evidence: { ports: 45 } });
    // Another peer, another device or another rule is another alert.
    m.raise(input({ dst: '203.0.113.10' }));
    m.raise(input({ device: 'aa:bb:cc:dd:ee:02' }));
    m.raise(input({ rule: 'scan.host' }));
    expect(m.all()).toHaveLength(4);
  });

  it('starts a new alert once the window has passed', () => {
    const m = new AlertManager({ ...ALERTS_DEFAULTS, dedupWindowSeconds: 60 });
    m.raise(input());
    m.raise(input({ ts: T + 59 * S }));
    m.raise(input({ ts: T + 120 * S }));
    expect(m.all().map((a) => a.count)).toEqual([2, 1]);
  });

  it('applies configured severities and keeps a detector-given one', () => {
    const m = new AlertManager({ ...ALERTS_DEFAULTS, severity: { 'scan.port': 'critical' } });
    expect(m.raise(input())?.severity).toBe('critical');
    expect(m.raise(input({ rule: 'device.new', severity: 'medium' }))?.severity).toBe('medium');
  });

  it('gives the same ids for the same input, and different ids for different alerts', () => {
    const run = () => { const m = new AlertManager(ALERTS_DEFAULTS); m.raise(input()); m.raise(input({ dst: 'x' })); return m.all().map((a) => a.id); };
    const [a, b] = run();
    expect(run()).toEqual([a, b]);
    expect(a).not.toBe(b);
  });

  it('folds per-device alerts into an open storm and lets them through after it closes', () => {
    const m = new AlertManager(ALERTS_DEFAULTS);
    const storm = m.openStorm(input({ rule: 'storm.reconnect', device: null, dst: 'lan', evidence: { devices: [] } }), ['device.new'], T + 60 * S);
    for (let i = 0; i < 5; i++) m.raise(input({ rule: 'device.new', ts: T + i * S, device: `aa:bb:cc:dd:ee:0${i}` }));
    m.raise(input({ rule: 'scan.port', ts: T + 2 * S })); // not a storm rule: stands alone
    expect(m.all().map((a) => a.rule)).toEqual(['storm.reconnect', 'scan.port']);
    expect(storm.evidence).toMatchObject({ folded: { 'device.new': 5 } });
    expect((storm.evidence.devices as string[]).length).toBe(5);
    m.expire(T + 61 * S);
    m.raise(input({ rule: 'device.new', ts: T + 62 * S, device: 'aa:bb:cc:dd:ee:09' }));
    expect(m.all().map((a) => a.rule)).toEqual(['storm.reconnect', 'scan.port', 'device.new']);
  });

  it('closes the oldest open entry at the cap', () => {
    const m = new AlertManager({ ...ALERTS_DEFAULTS, maxOpen: 2 });
    m.raise(input({ dst: 'a' }));
    m.raise(input({ dst: 'b' }));
    m.raise(input({ dst: 'c' }));
    m.raise(input({ dst: 'a', ts: T + S })); // 'a' was closed: a new alert
    expect(m.all().map((x) => [x.dst, x.count])).toEqual([['a', 1], ['b', 1], ['c', 1], ['a', 1]]);
    expect(m.closedAtCap).toBe(2);
  });

  it('writes a new alert to the store before any listener sees it, and count updates on flush', () => {
    const store = new AlertStore(tempDb());
    const m = new AlertManager(ALERTS_DEFAULTS, store);
    const seenInStore: number[] = [];
    m.addListener((a, isNew) => { if (isNew) seenInStore.push(store.list().filter((r) => r.id === a.id).length); });
    m.raise(input());
    m.raise(input({ ts: T + S }));
    expect(seenInStore).toEqual([1]);
    expect(store.list()[0]!.count).toBe(1);
    m.flush();
    expect(store.list()[0]).toMatchObject({ count: 2, rule: 'scan.port', evidence: { ports: 30 }, lastTs: iso(T + S) });
    store.close();
  });
});

describe('AlertManager count-0 updates', () => {
  it('update the evidence of an open alert, and never create an alert on their own', () => {
    const m = new AlertManager({ ...ALERTS_DEFAULTS, dedupWindowSeconds: 60 });
    m.raise(input());
    m.raise(input({ ts: T + S, count: 0, evidence: { ports: 99 } }));
    expect(m.all().map((a) => [a.count, a.evidence.ports])).toEqual([[1, 99]]);
    expect(m.raise(input({ ts: T + 600 * S, count: 0 }))).toBeNull();
    expect(m.all()).toHaveLength(1);
  });
});
