// Config demo.capture: the daemon's demo source replays a capture of one's own in a loop (its
// frames, in order, at packet times moved to now) instead of the generated home network; a path
// that cannot be read stops the start with the key's name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../gateway/capture/open-capture.js';
import { startSource } from '../../gateway/daemon/frame-sources.js';
import { validateConfig } from '../../gateway/plugins/gateway-config.js';
import { fixture } from '../helpers/fixtures.js';
import { until } from '../helpers/wait-until.js';

const CAPTURE = fixture('pcap/ndpi/synscan.pcap');

describe('demo.capture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgeward-demo-capture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is empty by default: the generated demo', () => {
    expect(validateConfig({}, 'test').demo.capture).toBe('');
    expect(() => validateConfig({ demo: { capture: 7 } }, 'test')).toThrow(/demo\.capture/);
  });

  it('replays the file in a loop, frame for frame, its packet times from now on', async () => {
    const want: Buffer[] = [];
    await openCapture(CAPTURE).run((buf, off, capLen) => { want.push(Buffer.from(buf.subarray(off, off + capLen))); });
    const cfg = validateConfig({ storage: { dataDir: dir }, demo: { capture: CAPTURE, speed: 1000 } }, 'test');
    const got: { data: Buffer; ts: number }[] = [];
    const events: string[] = [];
    const t0 = Date.now() * 1000;
    const src = await startSource('demo', cfg, (buf, off, capLen, _orig, ts) => { got.push({ data: Buffer.from(buf.subarray(off, off + capLen)), ts }); }, (e) => events.push(e));
    try {
      await until(() => got.length > want.length, () => `a second loop (${got.length} of ${want.length} frames)`, 30_000);
    } finally {
      await src!.stop();
    }
    expect(events).toContain('demo.started');
    expect(got.slice(0, want.length).findIndex((g, i) => !g.data.equals(want[i]!)), 'the first frame that differs').toBe(-1);
    expect(got[want.length]!.data.equals(want[0]!), 'the second loop starts with the first frame').toBe(true);
    expect(got[0]!.ts).toBeGreaterThanOrEqual(t0);
    for (let i = 1; i < got.length; i++) expect(got[i]!.ts, `frame ${i}`).toBeGreaterThanOrEqual(got[i - 1]!.ts);
  });

  it('refuses a file it cannot read, naming the key', async () => {
    const cfg = validateConfig({ storage: { dataDir: dir }, demo: { capture: join(dir, 'missing.pcap') } }, 'test');
    await expect(startSource('demo', cfg, () => {}, () => {})).rejects.toThrow(/^demo\.capture: cannot read .*missing\.pcap/);
  });
});
