// The demo camera's own syslog (gateway/demo/demo-syslog.ts): the tap on the demo's frames hands
// each line to the edge-log ingest once per loop, at its packet time, from the camera's address, as
// RFC 5424 lines a syslog receiver parses; and a daemon running the demo (`npm start`) gets them
// through that path, so they join the camera's Mirai incident as its own error logs.
import { describe, expect, it } from 'vitest';
import { ATTACK_TIMES } from '../../gateway/demo/demo-attacks.js';
import { DEMO_HOSTS, DEMO_LOOP_SECONDS } from '../../gateway/demo/demo-devices.js';
import { demoFrames } from '../../gateway/demo/demo-network.js';
import { CAMERA_SYSLOG, DemoSyslog } from '../../gateway/demo/demo-syslog.js';
import { PacedReplay } from '../../gateway/demo/paced-replay.js';
import { parseSyslog } from '../../gateway/edge-logs/parse-syslog.js';
import type { IncidentPage } from '../../gateway/incidents/incident.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { until } from '../helpers/wait-until.js';

const START = Date.UTC(2026, 5, 1, 12) * 1000;

describe('the demo camera\'s syslog', () => {
  it('comes once a loop, after the first check-in, each line at its time from the camera, between the frames', async () => {
    const demo = demoFrames();
    const got: { line: string; ip: string; at: number; framesBefore: number }[] = [];
    let frames = 0;
    let lastFrameUs = 0;
    const tap = new DemoSyslog((line, ip, at) => got.push({ line, ip, at: at.getTime(), framesBefore: frames }));
    const replay = new PacedReplay({ frames: demo.frames, startTimeUs: START, speed: 1e6, maxLoops: 2 });
    await replay.run(tap.tap((_b, _o, _c, _l, ts) => { frames++; lastFrameUs = ts; }));
    expect(tap.delivered).toBe(2 * CAMERA_SYSLOG.length);
    expect(got.map((g) => g.at)).toEqual([0, 1].flatMap((loop) => CAMERA_SYSLOG.map((l) => Math.floor((START + loop * DEMO_LOOP_SECONDS * 1e6 + l.at * 1e6) / 1000))));
    expect(got.every((g) => g.ip === DEMO_HOSTS.camera.ip)).toBe(true);
    // After the camera's first check-in, and handed over in between frames (not all at the end).
    expect(CAMERA_SYSLOG.every((l) => l.at > ATTACK_TIMES.beacon)).toBe(true);
    expect(got[0]!.framesBefore).toBeGreaterThan(0);
    expect(got[0]!.framesBefore).toBeLessThan(demo.frames.length);
    expect(got.at(-1)!.at * 1000).toBeLessThanOrEqual(lastFrameUs);
    // RFC 5424 lines from the camera's host name, dated by its (NTP-set) clock, at error or worse.
    for (const [i, g] of got.entries()) {
      const p = parseSyslog(g.line, new Date(g.at));
      expect(p.ok, g.line).toBe(true);
      if (!p.ok) continue;
      const l = CAMERA_SYSLOG[i % CAMERA_SYSLOG.length]!;
      expect(p.record).toMatchObject({ format: 'rfc5424', host: DEMO_HOSTS.camera.hostname, app: l.app, severityCode: l.severity, facility: l.facility, message: l.message });
      expect(Date.parse(p.record.ts)).toBe(g.at);
      expect(p.record.severityCode).toBeLessThanOrEqual(3);
    }
  });

  it('reaches a daemon running the demo through its edge-log ingest and joins the camera\'s Mirai incident', async () => {
    // 40 times real time: the camera's last line (44 s into the loop) comes about a second in.
    const t = await startTestDaemon({ demo: { enabled: true, speed: 40 } }, { source: 'demo' });
    try {
      const cam = DEMO_HOSTS.camera;
      const logs = async () => ((await (await t.api(`/api/v1/logs?device=${cam.mac}`, { token: t.tokens.analyst })).json()) as { items: { app: string; sourceIp: string; transport: string }[] }).items;
      await until(async () => (await logs()).length >= CAMERA_SYSLOG.length, () => 'the camera\'s syslog lines', 20_000);
      expect((await logs()).map((l) => [l.app, l.sourceIp, l.transport]).sort()).toEqual(CAMERA_SYSLOG.map((l) => [l.app, cam.ip, 'udp']).sort());
      const incident = async () => ((await (await t.api(`/api/v1/incidents?device=${cam.mac}`, { token: t.tokens.analyst })).json()) as IncidentPage).items[0];
      await until(async () => (await incident())?.counts.logs === CAMERA_SYSLOG.length, () => 'the logs in the camera\'s incident', 10_000);
      expect(await incident()).toMatchObject({ kind: 'mirai-chain', title: `Mirai-style infection of ${cam.hostname}: telnet brute force → malware download → C&C check-ins → device error logs` });
    } finally {
      await t.close();
    }
  });
});
