// Incidents of a real daemon after one loop of the demo with its camera's syslog, as `npm start`
// runs it: the camera's Mirai chain is one incident whose members are exactly the camera's alerts
// of the episode and whose timeline runs in the chain's order; the speaker's DNS tunnel is another;
// nothing else makes one. Then the REST routes (filters, one incident, state, false positive,
// errors and roles), the stream's `incident` topic, the EVE lines, and a restart that continues them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { StoredAlert } from '../../gateway/alerts/alert-store.js';
import { CAMERA_SYSLOG } from '../../gateway/demo/demo-syslog.js';
import { ATTACKERS, DEMO_HOSTS } from '../../gateway/demo/demo-devices.js';
import type { Incident, IncidentPage } from '../../gateway/incidents/incident.js';
import { isoMicros } from '../../gateway/common/packet-time.js';
import type { TestDaemon } from '../helpers/daemon.js';
import { messageText } from '../helpers/ws-text.js';
import { ingestDemo, startDemoDaemon } from '../browser/demo-daemon.js';

const { camera, speaker, laptop } = DEMO_HOSTS;
/** Rules whose dst is the device attacked (gateway/incidents/incident-subject.ts). */
const INBOUND = ['scan.port', 'scan.host', 'bruteforce.telnet', 'bruteforce.ssh', 'cleartext.telnet', 'exploit.http'];

let t: TestDaemon;
let alerts: StoredAlert[];
let list: IncidentPage;
let cam: Incident;

const get = async <T>(path: string, token = t.tokens.analyst): Promise<{ status: number; body: T }> => {
  const res = await t.api(path, { token });
  return { status: res.status, body: (await res.json()) as T };
};
const post = async <T>(path: string, body: unknown, token = t.tokens.analyst): Promise<{ status: number; body: T }> => {
  const res = await t.api(path, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
};

const eveDir = mkdtempSync(join(tmpdir(), 'edgeward-incident-eve-'));
const EVE = join(eveDir, 'eve.jsonl');

beforeAll(async () => {
  t = await startDemoDaemon({ storage: { eve: EVE } });
  await ingestDemo(t, { syslog: true });
  alerts = (await get<{ items: StoredAlert[] }>('/api/v1/alerts?limit=1000')).body.items;
  list = (await get<IncidentPage>('/api/v1/incidents')).body;
  cam = (await get<Incident>(`/api/v1/incidents/${list.items.find((i) => i.subject.device === camera.mac)!.id}`)).body;
});
afterAll(async () => {
  await t?.close();
  rmSync(eveDir, { recursive: true, force: true });
});

describe('the demo\'s incidents', () => {
  it('are two: the camera\'s Mirai chain and the speaker\'s DNS tunnel; no other device has one', () => {
    expect(list.total).toBe(2);
    expect(list.items.map((i) => [i.subject.kind, i.subject.device, i.subject.name, i.kind, i.severity, i.state, i.resolution]).sort()).toEqual([
      ['device', camera.mac, camera.hostname, 'mirai-chain', 'critical', 'open', null],
      ['device', speaker.mac, speaker.hostname, 'episode', 'high', 'open', null],
    ].sort());
    expect(cam.title).toBe(`Mirai-style infection of ${camera.hostname}: telnet brute force → malware download → C&C check-ins → device error logs`);
    expect(list.items.find((i) => i.subject.device === speaker.mac)!.title).toBe(`DNS tunnel, DNS exfiltration on ${speaker.hostname}`);
  });

  it('the camera\'s holds exactly its alerts of the episode: its own, and the scans and logins aimed at it', () => {
    const expected = alerts.filter((a) => a.rule !== 'device.new'
      && (a.device === camera.mac || (INBOUND.includes(a.rule) && a.dst === camera.ip)));
    expect([...cam.alertIds].sort()).toEqual(expected.map((a) => a.id).sort());
    // The laptop's scan of the camera is there; its own missing profile is not an episode.
    expect(expected.some((a) => a.rule === 'scan.port' && a.device === laptop.mac)).toBe(true);
    expect(alerts.some((a) => a.rule === 'mud.no-profile' && a.device === laptop.mac && !cam.alertIds.includes(a.id))).toBe(true);
    expect(cam.counts).toEqual({ alerts: expected.length, occurrences: expected.reduce((n, a) => n + a.count, 0), logs: CAMERA_SYSLOG.length });
    expect(cam.firstTs).toBe(expected.map((a) => a.firstTs).sort((x, y) => isoMicros(x) - isoMicros(y))[0]);
    // What a responder may block: the telnet brute forcer and the loader / C&C host, not the LAN laptop.
    expect(cam.peers).toEqual([ATTACKERS.telnetBruteforcer, ATTACKERS.c2]);
    // The camera's own error logs joined as edge.error alerts (one per app and severity), a line each.
    expect(expected.filter((a) => a.rule === 'edge.error').reduce((n, a) => n + a.count, 0)).toBe(CAMERA_SYSLOG.length);
  });

  it('has a timeline in time order that runs scan → brute force → download → check-ins → the camera\'s logs, recurrences summed up', () => {
    const tl = cam.timeline;
    expect(tl.map((e) => isoMicros(e.ts))).toEqual(tl.map((e) => isoMicros(e.ts)).sort((x, y) => x - y));
    const first = (pred: (e: Incident['timeline'][number]) => boolean) => tl.findIndex(pred);
    const byRule = (rule: string) => first((e) => e.kind === 'alert' && e.rule === rule);
    const checkIn = first((e) => e.kind === 'alert' && e.rule === 'mud.violation' && alerts.find((a) => a.id === e.ref)!.dport === ATTACKERS.c2Port);
    const order = [byRule('scan.port'), byRule('bruteforce.telnet'), byRule('malware.download'), checkIn, first((e) => e.kind === 'log'), byRule('beacon.c2')];
    expect(order.every((i) => i >= 0), JSON.stringify(order)).toBe(true);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    // Each alert: its first occurrence, and one line for all its recurrences when it has any.
    for (const id of cam.alertIds) {
      const a = alerts.find((x) => x.id === id)!;
      const lines = tl.filter((e) => e.kind === 'alert' && e.ref === id);
      expect(lines.map((e) => e.ts), a.rule).toEqual(a.count > 1 && a.lastTs !== a.firstTs ? [a.firstTs, a.lastTs] : [a.firstTs]);
      expect(lines[0]!.text).toBe(a.message);
    }
    // The twelve telnet sessions of the brute force are two lines, not twelve.
    const telnet = alerts.find((a) => a.rule === 'cleartext.telnet' && a.src === ATTACKERS.telnetBruteforcer)!;
    expect(telnet.count).toBe(12);
    expect(tl.filter((e) => e.ref === telnet.id).map((e) => e.text)[1]).toBe('cleartext telnet again: 11 more occurrences up to here');
    // The camera's log lines, each once, with what it said.
    expect(tl.filter((e) => e.kind === 'log').map((e) => e.text)).toEqual(CAMERA_SYSLOG.map((l) => `${l.app}: ${l.message}`));
    // Opened by the first flow of the scan that the camera's profile denied.
    expect(tl.filter((e) => e.kind === 'state').map((e) => e.text)).toEqual(['Opened by edgeward: first alert mud.violation (flows outside the MUD profile)']);
  });
});

describe('the incident API', () => {
  it('filters by state, device and severity, pages, and refuses bad parameters', async () => {
    const q = async (s: string) => (await get<IncidentPage>(`/api/v1/incidents?${s}`)).body;
    expect((await q(`device=${camera.mac}`)).items.map((i) => i.id)).toEqual([cam.id]);
    expect((await q('severity=high')).items.map((i) => i.subject.device)).toEqual([speaker.mac]);
    expect((await q('state=closed')).total).toBe(0);
    const p1 = await q('limit=1');
    expect([p1.items.length, p1.total]).toEqual([1, 2]);
    const p2 = await q(`limit=1&before=${p1.next}`);
    expect([p2.items.length, p2.next]).toEqual([1, null]);
    expect(new Set([...p1.items, ...p2.items].map((i) => i.id)).size).toBe(2);
    // The list leaves timelines out.
    expect('timeline' in p1.items[0]!).toBe(false);
    const bad = await get<{ code: string; details: { path: string }[] }>('/api/v1/incidents?state=gone&limit=0&color=red');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('request.invalid');
    expect(bad.body.details.map((d) => d.path).sort()).toEqual(['/query/color', '/query/limit', '/query/state']);
    expect((await get<{ code: string }>('/api/v1/incidents/0000000000000000')).body.code).toBe('incident.not-found');
    // A vendor reads no incident.
    expect((await get('/api/v1/incidents', t.tokens.vendor)).status).toBe(403);
  });

  it('moves an incident through contained and closed with who, when and why, and streams each change', async () => {
    const bad = await post<{ code: string; details: { path: string }[] }>(`/api/v1/incidents/${cam.id}/state`, { state: 'paused', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d) => d.path).sort()).toEqual(['/extra', '/state']);
    expect((await post<{ code: string }>('/api/v1/incidents/0000000000000000/state', { state: 'closed' })).body.code).toBe('incident.not-found');
    expect((await post(`/api/v1/incidents/${cam.id}/state`, { state: 'contained' }, t.tokens.vendor)).status).toBe(403);
    const c = await post<Incident>(`/api/v1/incidents/${cam.id}/state`, { state: 'contained', note: 'camera unplugged' });
    expect(c.status).toBe(200);
    expect(c.body.state).toBe('contained');
    expect(c.body.history.at(-1)).toMatchObject({ state: 'contained', note: 'camera unplugged' });
    expect(c.body.history.at(-1)!.by).toMatch(/^test analyst \(.+\)$/);
    expect(c.body.timeline.at(-1)).toMatchObject({ kind: 'state', ref: 'contained' });
    const closed = await post<Incident>(`/api/v1/incidents/${cam.id}/state`, { state: 'closed' });
    expect([closed.body.state, closed.body.resolution]).toEqual(['closed', 'resolved']);
    const reopened = await post<Incident>(`/api/v1/incidents/${cam.id}/state`, { state: 'open' });
    expect([reopened.body.state, reopened.body.resolution, reopened.body.history.map((h) => h.state)]).toEqual(['open', null, ['open', 'contained', 'closed', 'open']]);

    // The stream's incident topic replays every change since the start, in order.
    const changes = await streamed();
    const camChanges = changes.filter((c) => c.incident.id === cam.id).map((c) => c.change);
    expect(camChanges[0]).toBe('new');
    expect(camChanges.slice(-3)).toEqual(['contained', 'closed', 'reopened']);
    expect(new Set(changes.map((c) => c.incident.id))).toEqual(new Set(list.items.map((i) => i.id)));
  });

  it('closes an incident as a false positive and suggests the suppressions that would silence it', async () => {
    const spk = list.items.find((i) => i.subject.device === speaker.mac)!;
    const r = await post<{ incident: Incident; suggestedSuppressions: { rule: string; device: string | null; peer: string | null; port: number | null }[] }>(
      `/api/v1/incidents/${spk.id}/false-positive`, { note: 'speaker firmware update over DNS' });
    expect(r.status).toBe(200);
    expect([r.body.incident.state, r.body.incident.resolution]).toEqual(['closed', 'false-positive']);
    expect(r.body.suggestedSuppressions.map((s) => [s.rule, s.device, s.peer]).sort()).toEqual([
      ['dns.exfiltration', speaker.mac, '192.168.1.1'], ['dns.tunnel', speaker.mac, '192.168.1.1'],
    ]);
    expect((await post<{ code: string }>(`/api/v1/incidents/${spk.id}/false-positive`, { note: 7 })).body.code).toBe('request.invalid');
  });

  it('writes each incident to the EVE file as event_type "incident"', () => {
    const lines = readFileSync(EVE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event_type: string; incident?: { id: string; change: string; kind: string; state: string } });
    const inc = lines.filter((l) => l.event_type === 'incident').map((l) => l.incident!);
    expect(new Set(inc.map((i) => i.id))).toEqual(new Set(list.items.map((i) => i.id)));
    expect(inc.filter((i) => i.id === cam.id).map((i) => i.change).slice(-3)).toEqual(['contained', 'closed', 'reopened']);
    expect(inc.filter((i) => i.id === cam.id && i.change === 'updated').at(-1)?.kind).toBe('mirai-chain');
    expect(lines.filter((l) => l.event_type === 'alert').length).toBe(alerts.length);
  });

  it('continues its incidents after a restart', async () => {
    await t.restart();
    const after = (await get<IncidentPage>('/api/v1/incidents')).body;
    expect(after.items.map((i) => [i.id, i.state]).sort()).toEqual(list.items.map((i) => [i.id, i.id === cam.id ? 'open' : 'closed']).sort());
    // The camera's is open again (reopened above) and held for joining; the closed one is not.
    expect(t.daemon.incidents.openCount).toBe(1);
  });
});

/** Every `incident` event the stream replays from the start, as {change, incident}. */
async function streamed(): Promise<{ change: string; incident: Incident }[]> {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/stream`, ['edgeward.v1', `bearer.${t.tokens.analyst}`]);
  const out: { change: string; incident: Incident }[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', topics: ['incident'], since: 0 })));
    ws.on('message', (raw) => {
      const m = JSON.parse(messageText(raw)) as { type: string; topic?: string; data?: { change: string; incident: Incident } };
      if (m.type === 'event' && m.topic === 'incident') out.push(m.data!);
      if (m.type === 'live') resolve();
    });
  });
  ws.close();
  return out;
}
