// The must-show of the passive default-credential check: a built capture of successful logins with
// list pairs (telnet root/xc3511 in line mode and typed a character at a time, HTTP Basic
// supervisor/supervisor, FTP ubnt/ubnt) ingested by a real daemon raises device.default-credential
// for each service, in the SQLite alert table; and no byte of any user name or password (nor the
// Basic token) is in any file of the data directory — the database, its WAL while the daemon runs,
// EVE — nor in the daemon's log events, nor in what `edgeward replay` prints. The same capture with
// privacy.defaultCredentials off raises none.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { ROOT } from '../helpers/fixtures.js';
import { CAMERA, writeLoginCapture, type Login } from '../helpers/login-capture.js';
import { storedBytes } from '../helpers/stored-bytes.js';

const LOGINS: Login[] = [
  { service: 'telnet', user: 'root', password: 'xc3511', accepted: true },
  { service: 'telnet', user: 'root', password: 'xc3511', accepted: true, charAtATime: true },
  { service: 'http', user: 'supervisor', password: 'supervisor', accepted: true },
  { service: 'ftp', user: 'ubnt', password: 'ubnt', accepted: true },
];

/** The credentials as they are on the wire (HTTP Basic's as its token)… */
const ON_THE_WIRE = ['root', 'xc3511', 'ubnt', Buffer.from('supervisor:supervisor').toString('base64')];
/** …and every user name and password, the HTTP one decoded as the module decodes it in memory. */
const SECRETS = [...ON_THE_WIRE, 'supervisor'];

let t: TestDaemon | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await t?.close();
  t = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The secrets found in `text` (case-insensitive: a user name is a user name in any case). */
const leaked = (text: string): string[] => SECRETS.filter((x) => text.toLowerCase().includes(x.toLowerCase()));

async function ingest(privacy: Record<string, unknown>): Promise<{ data: string; capture: string; whileRunning: string; rules: string[] }> {
  const data = mkdtempSync(join(tmpdir(), 'edgeward-credential-'));
  const work = mkdtempSync(join(tmpdir(), 'edgeward-credential-capture-'));
  dirs.push(data, work);
  const capture = join(work, 'logins.pcap');
  writeLoginCapture(capture, LOGINS);
  t = await startTestDaemon({ privacy, storage: { dataDir: data, eve: join(data, 'eve.jsonl') }, detect: { baseline: { enabled: false } } });
  await t.daemon.ingestCapture(capture);
  const alerts = (await (await t.api('/api/v1/alerts?limit=1000', { token: t.tokens.analyst })).json()) as { items: { rule: string }[] };
  const whileRunning = storedBytes(data);
  expect(existsSync(join(data, 'edgeward.sqlite-wal'))).toBe(true);
  await t.stop();
  return { data, capture, whileRunning, rules: alerts.items.map((a) => a.rule) };
}

describe('default credentials: nothing of them is stored or logged', () => {
  it('a real daemon stores the alerts and no user name or password anywhere; edgeward replay prints none', async () => {
    const { data, capture, whileRunning, rules } = await ingest({});
    expect(rules).toContain('device.default-credential');
    // The alert table holds one alert per service of the camera, with the list's name.
    const db = new Database(join(data, 'edgeward.sqlite'), { readonly: true });
    const rows = db.prepare("SELECT device, dport, count, evidence FROM alerts WHERE rule = 'device.default-credential' ORDER BY dport").all() as
      { device: string; dport: number; count: number; evidence: string }[];
    db.close();
    expect(rows.map((r) => [r.device, r.dport, r.count, JSON.parse(r.evidence) as unknown])).toEqual([
      [CAMERA.mac, 21, 1, { service: 'ftp', port: 21, list: 'mirai' }],
      [CAMERA.mac, 23, 2, { service: 'telnet', port: 23, list: 'mirai' }],
      [CAMERA.mac, 80, 1, { service: 'http', port: 80, list: 'mirai' }],
    ]);
    // The capture itself holds every one on the wire (so the search below can find them).
    expect(leaked(readFileSync(capture).toString('latin1'))).toEqual(ON_THE_WIRE);
    // The data directory, while running (WAL) and after the stop (checkpointed), and the log.
    expect(leaked(whileRunning)).toEqual([]);
    expect(leaked(storedBytes(data))).toEqual([]);
    expect(t!.events.length).toBeGreaterThan(0);
    expect(leaked(JSON.stringify(t!.events))).toEqual([]);

    // The CLI a user runs: its JSON on stdout and its log on stderr, and the EVE file it writes.
    const eve = join(data, 'replay-eve.jsonl');
    const cli = join(ROOT, 'dist/gateway/cli/main.js');
    const run = spawnSync(process.execPath, [cli, 'replay', capture, '--json', '--eve', eve], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as { alerts: { rule: string; evidence: Record<string, unknown> }[] };
    expect(summary.alerts.filter((a) => a.rule === 'device.default-credential').map((a) => a.evidence.service).sort()).toEqual(['ftp', 'http', 'telnet']);
    expect(leaked(run.stdout + run.stderr)).toEqual([]);
    expect(leaked(readFileSync(eve, 'latin1'))).toEqual([]);
  });

  it('with privacy.defaultCredentials off the same capture raises none', async () => {
    const { rules } = await ingest({ defaultCredentials: false });
    expect(rules).toContain('cleartext.telnet');
    expect(rules).not.toContain('device.default-credential');
  });
});
