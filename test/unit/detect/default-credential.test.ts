// device.default-credential through the whole pipeline (built captures replayed by the product's
// replay path): a LAN device that accepts a login from the bundled lists over telnet (line mode and
// typed a character at a time), HTTP Basic or FTP raises exactly one alert naming it and the
// service; a failed login, a login with another password, a login to a server outside the LAN and
// any login with privacy.defaultCredentials off raise none. The real nDPI telnet capture (a
// successful login as fake/user) raises none either.
import { describe, expect, it } from 'vitest';
import { fixture } from '../../helpers/fixtures.js';
import { CAMERA, LAPTOP, OUTSIDE, REMOTE, loginCapture, type Login } from '../../helpers/login-capture.js';
import { replayFrames } from '../../helpers/replay-frames.js';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { replayCapture } from '../../../gateway/replay/replay.js';
import type { ReplaySummary } from '../../../gateway/replay/summary.js';

type Alert = ReplaySummary['alerts'][number];

async function alertsOf(logins: readonly Login[], privacy: Record<string, unknown> = {}, detect: Record<string, Record<string, unknown>> = {}): Promise<Alert[]> {
  const r = await replayFrames(loginCapture(logins), { config: { privacy }, detect: { config: detect } });
  return r.summary.alerts;
}

const found = (alerts: Alert[]): Alert[] => alerts.filter((a) => a.rule === 'device.default-credential');

const MIRAI = { user: 'root', password: 'xc3511' };

describe('device.default-credential: telnet', () => {
  it('a Mirai pair accepted (shell prompt): one critical alert naming the camera and telnet', async () => {
    const alerts = await alertsOf([{ service: 'telnet', ...MIRAI, accepted: true }]);
    const got = found(alerts);
    expect(got.map((a) => [a.device, a.severity, a.src, a.dst, a.dport, a.count, a.evidence])).toEqual([
      [CAMERA.mac, 'critical', REMOTE.ip, CAMERA.ip, 23, 1, { service: 'telnet', port: 23, list: 'mirai' }],
    ]);
    expect(got[0]!.message).toContain('telnet');
    expect(got[0]!.message).toContain('mirai');
    // The session is also the cleartext telnet it always was.
    expect(alerts.some((a) => a.rule === 'cleartext.telnet')).toBe(true);
  });

  it('typed a character at a time (server echo, CR NUL line ends): the same alert', async () => {
    const got = found(await alertsOf([{ service: 'telnet', ...MIRAI, accepted: true, charAtATime: true }]));
    expect(got.map((a) => [a.device, a.evidence])).toEqual([[CAMERA.mac, { service: 'telnet', port: 23, list: 'mirai' }]]);
  });

  it('a list pair of the later variants names that list', async () => {
    const got = found(await alertsOf([{ service: 'telnet', user: 'root', password: 'ipcam_rt5350', accepted: true }]));
    expect(got.map((a) => a.evidence.list)).toEqual(['mirai-variants']);
  });

  it('the list pair refused (Login incorrect): none', async () => {
    expect(found(await alertsOf([{ service: 'telnet', ...MIRAI, accepted: false }]))).toEqual([]);
  });

  it('a login accepted with a password on no list: none', async () => {
    expect(found(await alertsOf([{ service: 'telnet', user: 'root', password: 'k7#Qv9!mZ2', accepted: true }]))).toEqual([]);
    // The user name of a list pair with another list's password is no pair either.
    expect(found(await alertsOf([{ service: 'telnet', user: 'ubnt', password: 'xc3511', accepted: true }]))).toEqual([]);
  });

  it('refused, then accepted on a second connection: one alert; two accepted sessions fold into one with count 2', async () => {
    const got = found(await alertsOf([
      { service: 'telnet', ...MIRAI, accepted: false }, { service: 'telnet', ...MIRAI, accepted: true }, { service: 'telnet', ...MIRAI, accepted: true, client: LAPTOP },
    ]));
    expect(got.map((a) => [a.device, a.count])).toEqual([[CAMERA.mac, 2]]);
  });

  it('a LAN client logging in to a server on the internet with a list pair: no device of ours, none', async () => {
    expect(found(await alertsOf([{ service: 'telnet', ...MIRAI, accepted: true, client: LAPTOP, server: OUTSIDE }]))).toEqual([]);
  });

  it('the real nDPI telnet capture (login fake/user, a shell prompt): a cleartext telnet session, no default credential', async () => {
    const r = await replayCapture(fixture('pcap/ndpi/telnet.pcap'), { config: pipelineConfig() });
    expect(r.summary.alerts.map((a) => a.rule)).toContain('cleartext.telnet');
    expect(found(r.summary.alerts)).toEqual([]);
  });
});

describe('device.default-credential: HTTP Basic and FTP', () => {
  it('HTTP Basic admin/admin answered 200: one alert (service http, port 80); answered 401: none', async () => {
    const ok = found(await alertsOf([{ service: 'http', user: 'admin', password: 'admin', accepted: true }]));
    expect(ok.map((a) => [a.device, a.severity, a.dport, a.evidence])).toEqual([[CAMERA.mac, 'critical', 80, { service: 'http', port: 80, list: 'mirai' }]]);
    expect(found(await alertsOf([{ service: 'http', user: 'admin', password: 'admin', accepted: false }]))).toEqual([]);
    expect(found(await alertsOf([{ service: 'http', user: 'admin', password: 'S3cure-Admin!', accepted: true }]))).toEqual([]);
  });

  it('HTTP on port 8080 is judged too, and its alert is apart from port 80\'s', async () => {
    const got = found(await alertsOf([
      { service: 'http', user: 'admin', password: 'admin', accepted: true },
      { service: 'http', user: 'admin', password: 'admin', accepted: true, port: 8080 },
    ]));
    expect(got.map((a) => a.evidence.port).sort()).toEqual([80, 8080]);
  });

  it('FTP USER/PASS with a list pair answered 230: one alert (service ftp, port 21); answered 530: none', async () => {
    const ok = found(await alertsOf([{ service: 'ftp', ...MIRAI, accepted: true }]));
    expect(ok.map((a) => [a.device, a.dport, a.evidence])).toEqual([[CAMERA.mac, 21, { service: 'ftp', port: 21, list: 'mirai' }]]);
    expect(found(await alertsOf([{ service: 'ftp', ...MIRAI, accepted: false }]))).toEqual([]);
  });

  it('one device, three services: three alerts', async () => {
    const got = found(await alertsOf([
      { service: 'telnet', ...MIRAI, accepted: true }, { service: 'http', user: 'admin', password: 'admin', accepted: true }, { service: 'ftp', ...MIRAI, accepted: true },
    ]));
    expect(got.map((a) => a.evidence.service).sort()).toEqual(['ftp', 'http', 'telnet']);
    expect(new Set(got.map((a) => a.device))).toEqual(new Set([CAMERA.mac]));
  });
});

describe('device.default-credential: switched off', () => {
  const all: Login[] = [
    { service: 'telnet', ...MIRAI, accepted: true }, { service: 'telnet', ...MIRAI, accepted: true, charAtATime: true },
    { service: 'http', user: 'admin', password: 'admin', accepted: true }, { service: 'ftp', ...MIRAI, accepted: true },
  ];

  it('privacy.defaultCredentials false: no alert for any service (the sessions are still seen)', async () => {
    const alerts = await alertsOf(all, { defaultCredentials: false });
    expect(found(alerts)).toEqual([]);
    expect(alerts.some((a) => a.rule === 'cleartext.telnet')).toBe(true);
    // The same capture with the default raises them.
    expect(found(await alertsOf(all)).length).toBe(3);
  });

  it('detect.defaultCredential.services narrows it; enabled false removes it', async () => {
    expect(found(await alertsOf(all, {}, { defaultCredential: { services: ['ftp'] } })).map((a) => a.evidence.service)).toEqual(['ftp']);
    expect(found(await alertsOf(all, {}, { defaultCredential: { enabled: false } }))).toEqual([]);
  });
});
