// Alerts are in SQLite before anyone hears of them: a replay that kills itself with SIGKILL the
// moment its first alert is announced leaves that alert in the file, readable after the crash.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../gateway/alerts/alert-store.js';
import { fixture, ROOT } from '../helpers/fixtures.js';

describe('alert persistence', () => {
  it('an alert announced before a SIGKILL is in the SQLite file afterwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-kill-'));
    const db = join(dir, 'alerts.sqlite');
    try {
      const replay = pathToFileURL(join(ROOT, 'dist/gateway/replay/replay.js')).href;
      const cfg = pathToFileURL(join(ROOT, 'dist/gateway/sensor/sensor-config.js')).href;
      const script = `
        const { replayCapture } = await import(${JSON.stringify(replay)});
        const { PIPELINE_DEFAULTS } = await import(${JSON.stringify(cfg)});
        await replayCapture(${JSON.stringify(fixture('pcap/ndpi/synscan.pcap'))}, {
          config: PIPELINE_DEFAULTS,
          detect: { dbPath: ${JSON.stringify(db)} },
          setup: (_p, _e, alerts) => alerts.addListener((a, isNew) => {
            if (isNew) { process.stdout.write(a.id + ' ' + a.rule + '\\n'); process.kill(process.pid, 'SIGKILL'); }
          }),
        });
        process.stdout.write('finished without an alert\\n');`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.signal).toBe('SIGKILL');
      const [id, rule] = r.stdout.trim().split(' ');
      expect(existsSync(db)).toBe(true);
      const store = new AlertStore(db);
      try {
        const rows = store.list();
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ id, rule });
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
