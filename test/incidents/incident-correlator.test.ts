// The incident correlator on alerts raised through a real AlertManager into a real SQLite file: which
// subject an alert groups under (the attacked device, the alert's device, the external peer), the
// gap that ends an episode, what opens an incident and what only joins one, recurrences counted
// (and summarised in the timeline), edge-log records in the timeline, a restart that continues the
// open incidents, state changes with their history, and a false positive with its suggestions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERTS_DEFAULTS, AlertManager } from '../../gateway/alerts/alert-manager.js';
import type { AlertInput } from '../../gateway/alerts/alert.js';
import { AlertStore } from '../../gateway/alerts/alert-store.js';
import { DecodeCounters, ev } from '../../gateway/common/events.js';
import type { EdgeLogRecord } from '../../gateway/edge-logs/log-record.js';
import type { IncidentChange, IncidentSummary } from '../../gateway/incidents/incident.js';
import { IncidentCorrelator } from '../../gateway/incidents/incident-correlator.js';
import { IncidentStore } from '../../gateway/incidents/incident-store.js';
import { INCIDENTS_DEFAULTS, type IncidentsConfig } from '../../gateway/incidents/incidents-config.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';

const S = 1e6;
const T = Date.UTC(2026, 2, 1, 12) * 1000;
const GAP = INCIDENTS_DEFAULTS.gapSeconds * S;
const CAM = { mac: '02:00:00:00:0a:01', ip: '192.168.1.10', name: 'cam-1' };
const PLUG = { mac: '02:00:00:00:0a:02', ip: '192.168.1.11', name: 'plug-1' };
const LAPTOP = { mac: '02:00:00:00:0a:03', ip: '192.168.1.50', name: 'laptop' };
const ATTACKER = '198.51.100.77';
const C2 = '198.51.100.23';
const HOSTS = [CAM, PLUG, LAPTOP];

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** An AlertManager (resuming its alerts from the store, as the daemon's does) feeding a correlator, on one SQLite file. */
class Rig {
  db: Db;
  alerts!: AlertManager;
  incidents!: IncidentCorrelator;
  readonly changes: { change: IncidentChange; incident: IncidentSummary }[] = [];
  readonly records: IncidentChange[] = [];
  readonly counters = new DecodeCounters();
  wall = Date.UTC(2026, 2, 1, 13);

  constructor(private readonly cfg: Partial<IncidentsConfig> = {}, readonly file = join(Rig.dir(), 'edgeward.sqlite')) {
    this.db = openDatabase(file);
    this.build();
  }

  static dir(): string {
    const d = mkdtempSync(join(tmpdir(), 'edgeward-incidents-'));
    dirs.push(d);
    return d;
  }

  private build(): void {
    this.alerts = new AlertManager(ALERTS_DEFAULTS, new AlertStore(this.db), false, undefined, true);
    this.incidents = new IncidentCorrelator({ ...INCIDENTS_DEFAULTS, ...this.cfg }, {
      store: new IncidentStore(this.db),
      resolveDevice: (ip) => HOSTS.find((h) => h.ip === ip)?.mac ?? null,
      nameOf: (mac) => HOSTS.find((h) => h.mac === mac)?.name ?? null,
      publish: (change, incident) => this.changes.push({ change, incident }),
      record: (change) => this.records.push(change),
      counters: this.counters,
      now: () => this.wall,
    });
    this.alerts.addListener((a, isNew) => this.incidents.onAlert(a, isNew));
  }

  /** Closes the database and opens it again with a new manager and correlator: a restart. */
  restart(): void {
    this.alerts.flush();
    this.db.close();
    this.db = openDatabase(this.file);
    this.build();
  }

  /** Raises one alert input; then, as the daemon's housekeeping does each second, the incidents' updates go out. */
  raise(input: Partial<AlertInput> & Pick<AlertInput, 'rule' | 'ts'>): void {
    this.alerts.raise({ device: null, src: '', dst: '', proto: 'tcp', sport: null, dport: null, message: `${input.rule} seen`, evidence: {}, ...input });
    this.incidents.flush();
  }

  /** The AlertManager's flush (new counts reach the correlator), then the incidents'. */
  flush(): void {
    this.alerts.flush();
    this.incidents.flush();
  }

  all(): IncidentSummary[] {
    return this.incidents.list({ limit: 1000 }).items;
  }
}

const bruteforce = (at: number, device = CAM): Partial<AlertInput> & Pick<AlertInput, 'rule' | 'ts'> =>
  ({ rule: 'bruteforce.telnet', ts: at, device: device.mac, src: ATTACKER, dst: device.ip, dport: 23, peer: ATTACKER });
const download = (at: number): Partial<AlertInput> & Pick<AlertInput, 'rule' | 'ts'> =>
  ({ rule: 'malware.download', ts: at, device: CAM.mac, src: CAM.ip, dst: C2, dport: 80 });
const checkIn = (at: number): Partial<AlertInput> & Pick<AlertInput, 'rule' | 'ts'> =>
  ({ rule: 'mud.violation', ts: at, device: CAM.mac, src: CAM.ip, dst: C2, dport: 6667, evidence: { direction: 'from-device' }, peer: `${C2}|tcp|6667|from-device` });

describe('grouping alerts into incidents', () => {
  it('gives each attacked device its own incident: a LAN scanner\'s scan belongs to the device it scanned', () => {
    const r = new Rig();
    // The laptop scans the camera (the alert's device is the laptop, its target the camera).
    r.raise({ rule: 'scan.port', ts: T, device: LAPTOP.mac, src: LAPTOP.ip, dst: CAM.ip });
    r.raise(bruteforce(T + 5 * S));
    r.raise(bruteforce(T + 6 * S, PLUG));
    const all = r.all();
    expect(all).toHaveLength(2);
    const cam = all.find((i) => i.subject.device === CAM.mac)!;
    const plug = all.find((i) => i.subject.device === PLUG.mac)!;
    expect(cam.subject).toEqual({ kind: 'device', device: CAM.mac, peer: null, name: CAM.name });
    expect(cam.counts).toEqual({ alerts: 2, occurrences: 2, logs: 0 });
    expect(plug.counts).toEqual({ alerts: 1, occurrences: 1, logs: 0 });
    expect(cam.severity).toBe('critical');
    expect(cam.title).toBe('Telnet brute force, port scan on cam-1');
    expect(all.some((i) => i.subject.device === LAPTOP.mac)).toBe(false);
    expect(r.changes.map((c) => c.change)).toEqual(['new', 'updated', 'new']);
  });

  it('groups alerts with no LAN device by their external peer, across the devices they touch', () => {
    const r = new Rig();
    r.raise({ rule: 'flood.amplification', ts: T, src: '203.0.113.9', dst: '192.0.2.1', proto: 'udp' });
    r.raise({ rule: 'intel.blocklist', ts: T + S, src: '203.0.113.9', dst: '192.0.2.7' });
    const all = r.all();
    expect(all).toHaveLength(1);
    expect(all[0]!.subject).toEqual({ kind: 'peer', device: null, peer: '203.0.113.9', name: null });
    expect(all[0]!.title).toBe('Amplification flood, blocklisted destination involving 203.0.113.9');
  });

  it('ends an episode after incidents.gapSeconds of quiet: one alert just within it joins, one just past it opens a new incident', () => {
    const r = new Rig();
    r.raise(bruteforce(T));
    r.raise(download(T + GAP));
    expect(r.all()).toHaveLength(1);
    r.raise(checkIn(T + 2 * GAP + 1));
    const all = r.all();
    expect(all).toHaveLength(2);
    // Most recent activity first.
    expect(all.map((i) => i.counts.alerts)).toEqual([1, 2]);
    expect(all.map((i) => [i.firstTs, i.lastTs])).toEqual([
      ['2026-03-01T13:00:00.000001Z', '2026-03-01T13:00:00.000001Z'], ['2026-03-01T12:00:00.000000Z', '2026-03-01T12:30:00.000000Z'],
    ]);
    expect(new Set(all.map((i) => i.subject.device))).toEqual(new Set([CAM.mac]));
  });

  it('opens no incident for a low alert alone, but lets one join an open incident; alerts about the gateway never join', () => {
    const r = new Rig();
    r.raise({ rule: 'device.new', ts: T, device: CAM.mac, src: CAM.ip });
    r.raise({ rule: 'sensor.fault', ts: T, src: '', dst: '' });
    expect(r.all()).toHaveLength(0);
    r.raise(bruteforce(T + S));
    r.raise({ rule: 'baseline.new-destination', ts: T + 2 * S, device: CAM.mac, src: CAM.ip, dst: '203.0.113.50', dport: 443 });
    r.raise({ rule: 'sensor.capture-loss', ts: T + 3 * S, src: '', dst: '', peer: 'eth0' });
    const [i] = r.all();
    expect(r.all()).toHaveLength(1);
    expect(i!.counts.alerts).toBe(2);
    expect(i!.severity).toBe('critical');
  });

  it('counts recurrences and sums them up in one timeline line, not a line each', () => {
    const r = new Rig();
    for (let k = 0; k < 5; k++) r.raise({ ...checkIn(T + k * 10 * S) });
    r.flush();
    const [sum] = r.all();
    expect(sum!.counts).toEqual({ alerts: 1, occurrences: 5, logs: 0 });
    expect(sum!.lastTs).toBe('2026-03-01T12:00:40.000000Z');
    const detail = r.incidents.get(sum!.id)!;
    const lines = detail.timeline.filter((e) => e.kind === 'alert');
    expect(lines.map((e) => [e.ts, e.ref, e.text])).toEqual([
      ['2026-03-01T12:00:00.000000Z', sum!.alertIds[0], 'mud.violation seen'],
      ['2026-03-01T12:00:40.000000Z', sum!.alertIds[0], 'flows outside the MUD profile again: 4 more occurrences up to here'],
    ]);
  });

  it('streams a new incident at once and its updates once a flush, however many alerts moved it', () => {
    const r = new Rig();
    const quiet = (input: Parameters<Rig['raise']>[0]) => r.alerts.raise({ device: null, src: '', dst: '', proto: 'tcp', sport: null, dport: null, message: 'm', evidence: {}, ...input });
    quiet(bruteforce(T));
    quiet(download(T + S));
    quiet(checkIn(T + 2 * S));
    quiet(checkIn(T + 3 * S));
    expect(r.changes.map((c) => c.change)).toEqual(['new']);
    r.flush();
    expect(r.changes.map((c) => [c.change, c.incident.counts.alerts, c.incident.counts.occurrences])).toEqual([['new', 1, 1], ['updated', 3, 4]]);
    r.flush();
    expect(r.changes).toHaveLength(2);
  });

  it('recognises the Mirai chain in order, and not out of order', () => {
    const r = new Rig();
    r.raise(bruteforce(T));
    r.raise(download(T + 10 * S));
    expect(r.all()[0]!.kind).toBe('episode');
    r.raise(checkIn(T + 12 * S));
    let [i] = r.all();
    expect(i!.kind).toBe('mirai-chain');
    expect(i!.title).toBe('Mirai-style infection of cam-1: telnet brute force → malware download → C&C check-ins');
    r.raise({ rule: 'edge.error', ts: T + 13 * S, device: CAM.mac, src: CAM.ip, proto: 'udp', peer: 'app:watchdog', evidence: { logSeq: 7, app: 'watchdog', severity: 'error', message: 'telnetd died' } });
    [i] = r.all();
    expect(i!.title).toBe('Mirai-style infection of cam-1: telnet brute force → malware download → C&C check-ins → device error logs');
    expect(i!.counts.logs).toBe(1);
    // EVE hears of what changed what the incident is, not of every count.
    expect(r.records).toEqual(['new', 'updated', 'updated', 'updated']);

    // A download before any break-in is no chain.
    const o = new Rig();
    o.raise(download(T));
    o.raise(bruteforce(T + 5 * S));
    o.raise(checkIn(T + 6 * S));
    expect(o.all()[0]!.kind).toBe('episode');
  });

  it('puts the subject\'s edge-log records of warning or worse in the open incident\'s timeline, within the gap, and no others', () => {
    const r = new Rig();
    r.raise(bruteforce(T));
    const id = r.all()[0]!.id;
    const rec = (seq: number, at: number, code: number, device: string | null = CAM.mac): EdgeLogRecord => ({
      seq, ts: new Date(at / 1000).toISOString(), receivedAt: new Date(at / 1000).toISOString(), device, sourceIp: CAM.ip, host: 'cam-1', app: 'ipcam',
      procId: null, msgId: null, facility: 3, severity: (['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'] as const)[code]!,
      severityCode: code, message: `line ${seq}`, structuredData: null, format: 'rfc5424', transport: 'udp', raw: '', truncated: false,
    } as EdgeLogRecord);
    r.incidents.onLog(rec(1, T + S, 4));
    r.incidents.onLog(rec(2, T + 2 * S, 6)); // info: not an incident's business
    r.incidents.onLog(rec(3, T + 3 * S, 3, PLUG.mac)); // another device
    r.incidents.onLog(rec(4, T + GAP + 2 * S, 2)); // past the gap
    r.incidents.onLog(rec(1, T + S, 4)); // the same record again
    const d = r.incidents.get(id)!;
    expect(d.counts.logs).toBe(1);
    expect(d.timeline.filter((e) => e.kind === 'log').map((e) => [e.ref, e.severity, e.text])).toEqual([['1', 'warning', 'ipcam: line 1']]);
  });
});

describe('incidents across a restart', () => {
  it('continues the open incident: a recurring alert counts on in it and a new alert of the subject joins it', () => {
    const r = new Rig();
    r.raise(bruteforce(T));
    r.raise(checkIn(T + 5 * S));
    r.flush();
    const before = r.all();
    expect(before).toHaveLength(1);
    r.restart();
    r.raise(checkIn(T + 15 * S)); // the same alert (resumed), one more occurrence
    r.raise(download(T + 20 * S)); // a new alert
    r.flush();
    const after = r.all();
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before[0]!.id);
    expect(after[0]!.counts).toEqual({ alerts: 3, occurrences: 4, logs: 0 });
    expect(after[0]!.alertIds.slice(0, 2)).toEqual(before[0]!.alertIds);
    expect(after[0]!.lastTs).toBe('2026-03-01T12:00:20.000000Z');
    expect(after[0]!.history.map((h) => h.state)).toEqual(['open']);
  });
});

describe('state and false positives', () => {
  it('records who moved an incident, when and why; a closed incident takes nothing more, and reopening lets it', () => {
    const r = new Rig();
    r.raise(bruteforce(T));
    const id = r.all()[0]!.id;
    expect(r.incidents.setState('nope', 'closed', 'analyst')).toBeNull();
    const c = r.incidents.setState(id, 'contained', 'ana (tok1)', 'plug pulled')!;
    expect(c.state).toBe('contained');
    // The same state again changes nothing.
    r.incidents.setState(id, 'contained', 'ana (tok1)');
    r.raise(download(T + 10 * S)); // a contained incident still takes its episode's alerts
    r.wall += 60_000;
    const closed = r.incidents.setState(id, 'closed', 'ana (tok1)', 'reimaged')!;
    expect([closed.state, closed.resolution, closed.counts.alerts]).toEqual(['closed', 'resolved', 2]);
    expect(closed.history).toEqual([
      { state: 'open', by: 'edgeward', at: '2026-03-01T12:00:00.000000Z', note: 'first alert bruteforce.telnet (telnet brute force)' },
      { state: 'contained', by: 'ana (tok1)', at: '2026-03-01T13:00:00.000Z', note: 'plug pulled' },
      { state: 'closed', by: 'ana (tok1)', at: '2026-03-01T13:01:00.000Z', note: 'reimaged' },
    ]);
    expect(closed.timeline.filter((e) => e.kind === 'state').map((e) => e.text)).toEqual([
      'Opened by edgeward: first alert bruteforce.telnet (telnet brute force)', 'Contained by ana (tok1): plug pulled', 'Closed by ana (tok1): reimaged',
    ]);
    // After the close, the camera's next alert is a new episode.
    r.raise(checkIn(T + 20 * S));
    expect(r.all()).toHaveLength(2);
    const reopened = r.incidents.setState(id, 'open', 'ana (tok1)')!;
    expect([reopened.state, reopened.resolution]).toEqual(['open', null]);
    expect(r.changes.filter((x) => x.incident.id === id).map((x) => x.change)).toEqual(['new', 'contained', 'updated', 'closed', 'reopened']);
  });

  it('a recurrence of a closed incident\'s alert opens a new incident that counts only the new occurrences', () => {
    const r = new Rig();
    r.raise(checkIn(T));
    r.raise(checkIn(T + 10 * S));
    r.flush();
    const first = r.all()[0]!;
    r.incidents.setState(first.id, 'closed', 'ana');
    r.raise(checkIn(T + 20 * S));
    r.flush();
    const all = r.all();
    expect(all).toHaveLength(2);
    expect(all[0]!.alertIds).toEqual(first.alertIds);
    expect(all[0]!.counts).toEqual({ alerts: 1, occurrences: 1, logs: 0 });
    expect(r.incidents.get(first.id)!.counts.occurrences).toBe(2);
  });

  it('closes an incident as a false positive and suggests one suppression per distinct rule, device, peer and port', () => {
    const r = new Rig();
    r.raise({ rule: 'scan.port', ts: T, device: LAPTOP.mac, src: LAPTOP.ip, dst: CAM.ip });
    r.raise({ rule: 'mud.violation', ts: T + S, device: CAM.mac, src: LAPTOP.ip, dst: CAM.ip, dport: 22, evidence: { direction: 'to-device' }, peer: `${LAPTOP.ip}|tcp|to-device` });
    r.raise(checkIn(T + 2 * S));
    r.raise({ rule: 'edge.error', ts: T + 3 * S, device: CAM.mac, src: CAM.ip, proto: 'udp', peer: 'app:ipcam' });
    const id = r.all()[0]!.id;
    expect(r.incidents.falsePositive('nope', 'ana')).toBeNull();
    const fp = r.incidents.falsePositive(id, 'ana (tok1)', 'the laptop is our pentester')!;
    expect([fp.incident.state, fp.incident.resolution]).toEqual(['closed', 'false-positive']);
    expect(fp.incident.history.at(-1)).toMatchObject({ state: 'closed', by: 'ana (tok1)', note: 'false positive: the laptop is our pentester' });
    expect(fp.suggestedSuppressions).toEqual([
      { rule: 'scan.port', device: LAPTOP.mac, peer: CAM.ip, port: null },
      { rule: 'mud.violation', device: CAM.mac, peer: LAPTOP.ip, port: null },
      { rule: 'mud.violation', device: CAM.mac, peer: C2, port: 6667 },
      { rule: 'edge.error', device: CAM.mac, peer: null, port: null },
    ]);
    // Asking again changes nothing and suggests the same.
    const again = r.incidents.falsePositive(id, 'bob')!;
    expect(again.incident.history).toHaveLength(2);
    expect(again.suggestedSuppressions).toEqual(fp.suggestedSuppressions);
  });
});

describe('bounds', () => {
  it('holds at most incidents.maxOpen open incidents to join (counted), and lists at most maxAlertsPerIncident alerts of one', () => {
    const r = new Rig({ maxOpen: 2, maxAlertsPerIncident: 2 });
    r.raise(bruteforce(T));
    r.raise(bruteforce(T + S, PLUG));
    r.raise({ rule: 'scan.port', ts: T + 2 * S, device: CAM.mac, src: CAM.ip, dst: '203.0.113.80' }); // joins the camera's
    r.raise(bruteforce(T + 3 * S, LAPTOP)); // a third subject: the plug's is let go
    expect(r.counters.counts[ev('incident.open_table_full')]).toBe(1);
    r.raise(checkIn(T + 4 * S)); // the camera's third alert: counted, not listed
    // The plug's old incident is no longer joined: its next (new) alert opens a new one.
    r.raise({ rule: 'cleartext.telnet', ts: T + 5 * S, device: PLUG.mac, src: ATTACKER, dst: PLUG.ip, dport: 23, peer: ATTACKER });
    const all = r.all();
    expect(all).toHaveLength(4);
    const cam = all.find((i) => i.subject.device === CAM.mac)!;
    expect(cam.alertIds).toHaveLength(2);
    expect(cam.counts.alerts).toBe(3);
    expect(all.filter((i) => i.subject.device === PLUG.mac)).toHaveLength(2);
  });
});
