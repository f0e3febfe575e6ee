// Capture on alert (privacy.captureOnAlert) on a real daemon: off by default (no file, 404
// alert.no-capture); on, each new alert raised on a frame gets that frame as a one-packet pcap, read
// back here with the project's pcap reader — the alert's first occurrence or its flow's packet — and served
// to analysts only; the files are bounded by captureOnAlertFiles, oldest gone first.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCapture } from '../../gateway/capture/open-capture.js';
import { iso } from '../../gateway/common/packet-time.js';
import type { StoredAlert } from '../../gateway/alerts/alert-store.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { writePrivacyCapture, type PrivacyDevice } from '../helpers/privacy-capture.js';

const DEVICE: PrivacyDevice = { mac: '02:00:00:00:00:0a', ip: '192.168.1.10', tag: 'kept' };

let t: TestDaemon | null = null;
afterEach(async () => { await t?.close(); t = null; });

async function daemonWith(privacy: Record<string, unknown>): Promise<{ t: TestDaemon; alerts: StoredAlert[] }> {
  t = await startTestDaemon({ privacy, detect: { baseline: { enabled: false }, deviceNew: { holdSeconds: 0 } } });
  const file = join(t.dir, 'case.pcap');
  writePrivacyCapture(file, [DEVICE]);
  await t.daemon.ingestCapture(file);
  const alerts = ((await (await t.api('/api/v1/alerts?limit=1000', { token: t.tokens.analyst })).json()) as { items: StoredAlert[] }).items;
  return { t, alerts };
}

/** The frames of a pcap file's bytes, read with the project's reader. */
async function framesOf(bytes: Buffer, dir: string): Promise<{ ts: number; len: number; bytes: Buffer }[]> {
  const path = join(dir, 'served.pcap');
  writeFileSync(path, bytes);
  const out: { ts: number; len: number; bytes: Buffer }[] = [];
  await openCapture(path).run((buf, off, capLen, _orig, ts) => { out.push({ ts, len: capLen, bytes: Buffer.from(buf.subarray(off, off + capLen)) }); });
  return out;
}

describe('capture on alert', () => {
  it('is off by default: no file is written and the API has none', async () => {
    const { t, alerts } = await daemonWith({});
    expect(alerts.length).toBeGreaterThan(2);
    expect(existsSync(join(t.dir, 'alert-captures'))).toBe(false);
    const r = await t.api(`/api/v1/alerts/${alerts[0]!.id}/capture`, { token: t.tokens.analyst });
    expect(r.status).toBe(404);
    expect(((await r.json()) as { code: string }).code).toBe('alert.no-capture');
  });

  /** The alerts whose capture the daemon serves, each checked: one frame, at the alert's first occurrence. */
  async function served(d: TestDaemon, alerts: readonly StoredAlert[]): Promise<StoredAlert[]> {
    const out: StoredAlert[] = [];
    for (const a of alerts) {
      const r = await d.api(`/api/v1/alerts/${a.id}/capture`, { token: d.tokens.analyst });
      if (r.status === 404) { expect(((await r.json()) as { code: string }).code).toBe('alert.no-capture'); continue; }
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('application/vnd.tcpdump.pcap');
      const frames = await framesOf(Buffer.from(await r.arrayBuffer()), d.dir);
      expect(frames).toHaveLength(1);
      // The frame is the alert's first occurrence, or a packet of its flow at or after it.
      if (iso(frames[0]!.ts) !== a.firstTs) expect(frames[0]!.ts, `${a.rule}: the frame of its flow`).toBeGreaterThan(Date.parse(a.firstTs) * 1000);
      expect(frames[0]!.len).toBeGreaterThan(14);
      // The download's frame is the one that carried the executable.
      if (a.rule === 'malware.download') expect(frames[0]!.bytes.includes(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))).toBe(true);
      out.push(a);
    }
    return out;
  }

  it('keeps the frame of each alert raised on one, at its first occurrence; analysts only', async () => {
    const { t, alerts } = await daemonWith({ captureOnAlert: true });
    const kept = await served(t, alerts);
    // The detections of the capture's traffic were raised on their frames.
    expect(kept.map((a) => a.rule)).toEqual(expect.arrayContaining(['malware.download', 'dns.tunnel']));
    expect(readdirSync(join(t.dir, 'alert-captures')).sort()).toEqual(kept.map((a) => `${a.id}.pcap`).sort());
    // Payload bytes: not for a vendor's token.
    expect((await t.api(`/api/v1/alerts/${kept[0]!.id}/capture`, { token: t.tokens.vendor })).status).toBe(403);
  });

  it('keeps at most captureOnAlertFiles files, the oldest gone first', async () => {
    const all = await daemonWith({ captureOnAlert: true });
    const kept = await served(all.t, all.alerts);
    expect(kept.length).toBeGreaterThan(2);
    await all.t.close();
    t = null;
    // The same capture again (alert ids are the same) with room for two files: the last two alerts kept.
    const { t: capped, alerts } = await daemonWith({ captureOnAlert: true, captureOnAlertFiles: 2 });
    const lastTwo = [...kept].sort((x, y) => y.seq - x.seq).slice(0, 2).map((a) => a.id).sort();
    expect((await served(capped, alerts)).map((a) => a.id).sort()).toEqual(lastTwo);
    expect(readdirSync(join(capped.dir, 'alert-captures')).sort()).toEqual(lastTwo.map((id) => `${id}.pcap`));
  });
});
