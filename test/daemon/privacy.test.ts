// config privacy on a real daemon and its real SQLite file: with every metadata field switched off,
// none of the marker bytes of a built capture (URL path, Host, User-Agent, SNI, DNS names) is in
// the database file, its WAL or the EVE file, while the same capture with the defaults puts every
// one there; and a device in privacy.excludeDevices yields its packet and byte counters but no
// inventory entry, no flow, no DNS name and no alert, while the device beside it gets all of them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Withholder, redactFlowRecord, PRIVACY_DEFAULTS, WITHHELD } from '../../gateway/track/privacy.js';
import { alertRedactor } from '../../gateway/sensor/alert-privacy.js';
import { validateConfig } from '../../gateway/plugins/gateway-config.js';
import type { FlowRecord } from '../../gateway/track/flow-record.js';
import { parseIpv4 } from '../../gateway/common/address-text.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { markers, writePrivacyCapture, type PrivacyDevice } from '../helpers/privacy-capture.js';
import { storedBytes } from '../helpers/stored-bytes.js';

const KEPT: PrivacyDevice = { mac: '02:00:00:00:00:0a', ip: '192.168.1.10', tag: 'kept' };
const EXCLUDED: PrivacyDevice = { mac: '02:00:00:00:00:0e', ip: '192.168.1.14', tag: 'excl' };
const OFF = { httpUris: false, userAgents: false, dnsNames: false, tlsSni: false };

let t: TestDaemon | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await t?.close();
  t = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Ingests the capture of `devices` into a new daemon with `privacy`, stops it (flows end, WAL checkpointed) and returns the bytes it stored. */
async function run(privacy: Record<string, unknown>, devices: readonly PrivacyDevice[], check?: (t: TestDaemon) => Promise<void>): Promise<string> {
  const data = mkdtempSync(join(tmpdir(), 'edgeward-privacy-'));
  dirs.push(data);
  t = await startTestDaemon({ privacy, storage: { dataDir: data, eve: join(data, 'eve.jsonl') }, detect: { baseline: { enabled: false } } });
  const file = join(t.dir, 'case.pcap');
  writePrivacyCapture(file, devices);
  await t.daemon.ingestCapture(file);
  await check?.(t);
  await t.stop();
  return storedBytes(data);
}

describe('privacy: metadata fields', () => {
  it('keeps none of the withheld fields in SQLite or EVE; the defaults keep every one', async () => {
    const m = markers(KEPT.tag);
    const fields = [m.uri.slice(6, -5), m.host, m.userAgent, m.sni, m.dns];
    const kept = await run({}, [KEPT], async (d) => {
      const alerts = (await (await d.api('/api/v1/alerts?limit=100', { token: d.tokens.analyst })).json()) as { items: { rule: string }[] };
      expect(alerts.items.map((a) => a.rule)).toEqual(expect.arrayContaining(['malware.download', 'dns.tunnel']));
    });
    for (const f of fields) expect(kept.includes(f), `${f} stored with the defaults`).toBe(true);
    await t!.close();
    t = null;

    const withheld = await run(OFF, [KEPT], async (d) => {
      const alerts = (await (await d.api('/api/v1/alerts?limit=100', { token: d.tokens.analyst })).json()) as { items: { rule: string; message: string; evidence: unknown }[] };
      const download = alerts.items.find((a) => a.rule === 'malware.download')!;
      const tunnel = alerts.items.find((a) => a.rule === 'dns.tunnel')!;
      expect(download).toBeDefined();
      expect(tunnel).toBeDefined();
      expect(JSON.stringify(download.evidence)).toContain(WITHHELD);
      expect(JSON.stringify(tunnel)).toContain(WITHHELD);
    });
    for (const f of fields) expect(withheld.includes(f), `${f} stored with privacy off`).toBe(false);
  });
});

describe('privacy: excluded devices', () => {
  it('counts an excluded device\'s traffic and keeps nothing else of it', async () => {
    const bytes = await run({ excludeDevices: [EXCLUDED.mac.toUpperCase()] }, [KEPT, EXCLUDED], async (d) => {
      const g = d.daemon;
      // Counters: the frames left alone (a named event), its packets and bytes, each way.
      const metrics = await (await d.api('/metrics', { token: d.tokens.analyst })).text();
      expect(Number(/^edgeward_events_total\{event="privacy\.excluded_frame"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(5);
      const tx = Number(new RegExp(`^edgeward_device_packets_total\\{mac="${EXCLUDED.mac}",direction="tx"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
      const rxBytes = Number(new RegExp(`^edgeward_device_bytes_total\\{mac="${EXCLUDED.mac}",direction="rx"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
      expect(tx).toBeGreaterThan(5);
      expect(rxBytes).toBeGreaterThan(1000);
      // No inventory entry, no live flow, no alert; the kept device has all three.
      const devices = (await (await d.api('/api/v1/devices', { token: d.tokens.analyst })).json()) as { items: { mac: string }[] };
      expect(devices.items.map((x) => x.mac)).toContain(KEPT.mac);
      expect(devices.items.map((x) => x.mac)).not.toContain(EXCLUDED.mac);
      const live = async (mac: string) => ((await (await d.api(`/api/v1/flows?state=live&device=${mac}`, { token: d.tokens.analyst })).json()) as { items: unknown[] }).items;
      expect((await live(KEPT.mac)).length).toBeGreaterThan(0);
      expect(await live(EXCLUDED.mac)).toEqual([]);
      const alerts = (await (await d.api('/api/v1/alerts?limit=1000', { token: d.tokens.analyst })).json()) as { items: { device: string | null; src: string; dst: string }[] };
      expect(alerts.items.some((a) => a.device === KEPT.mac)).toBe(true);
      expect(alerts.items.filter((a) => a.device === EXCLUDED.mac || a.src === EXCLUDED.ip || a.dst === EXCLUDED.ip)).toEqual([]);
      // No DNS name: its lookup resolved nothing in the cache; the kept device's did.
      const ts = g.pipeline.lastTs;
      expect(g.pipeline.dns.addressesFor(`www.${markers(KEPT.tag).dns}`, ts).length).toBe(1);
      expect(g.pipeline.dns.addressesFor(`www.${markers(EXCLUDED.tag).dns}`, ts)).toEqual([]);
      expect(g.pipeline.dns.namesFor(parseIpv4('203.0.113.30') as never, ts)).toEqual([`www.${markers(KEPT.tag).dns}`]);
    });
    // On disk: the kept device's flows and names, nothing of the excluded one.
    expect(bytes.includes(KEPT.mac)).toBe(true);
    expect(bytes.includes(markers(KEPT.tag).sni)).toBe(true);
    expect(bytes.includes(EXCLUDED.mac)).toBe(false);
    expect(bytes.includes(EXCLUDED.ip)).toBe(false);
    for (const f of Object.values(markers(EXCLUDED.tag))) expect(bytes.includes(f)).toBe(false);
  });

  it('refuses an excluded device that is no MAC address', () => {
    expect(() => validateConfig({ privacy: { excludeDevices: ['02:00:00:00:00:0e', 'kitchen-tv'] } })).toThrow(/privacy.excludeDevices: "kitchen-tv" is not a MAC address/);
    expect(validateConfig({}).pipeline.privacy).toEqual({ ...PRIVACY_DEFAULTS, excludeDevices: [] });
  });
});

describe('privacy: the blanking itself', () => {
  it('blanks an alert input\'s withheld evidence, and the same values in its message, peer and SNI', () => {
    const redact = alertRedactor({ ...PRIVACY_DEFAULTS, dnsNames: false, tlsSni: false })!;
    const evidence = { domain: 'evil.example', name: 'x1.evil.example', sampleNames: ['a.evil.example'], qtype: 10, nested: { note: 'asked x1.evil.example' }, uri: '/keep' };
    const input = {
      rule: 'dns.tunnel' as const, ts: 1, device: null, src: '192.168.1.2', dst: '192.168.1.1', proto: 'udp', sport: 1, dport: 53,
      message: 'asked for x1.evil.example under evil.example', evidence, peer: 'evil.example (one query)', sni: 'sni.example',
    };
    const out = redact(input);
    expect(out.evidence).toEqual({ domain: WITHHELD, name: WITHHELD, sampleNames: [WITHHELD], qtype: 10, nested: { note: `asked ${WITHHELD}` }, uri: '/keep' });
    expect(out.message).toBe(`asked for ${WITHHELD} under ${WITHHELD}`);
    expect(out.peer).toBe(`${WITHHELD} (one query)`);
    expect(out.sni).toBeNull();
    // The detector's own object is untouched (it may still hold it).
    expect(evidence.domain).toBe('evil.example');
    expect(alertRedactor(PRIVACY_DEFAULTS)).toBeNull();
    expect(Withholder.text('a.b', ['zzzz'])).toBe('a.b');
  });

  it('blanks a flow record\'s SNI, URL and user agent as each is switched off', () => {
    const r = { id: 1, sni: 's.example', http: { method: 'GET', host: 'h.example', uri: '/p', userAgent: 'ua' } } as unknown as FlowRecord;
    expect(redactFlowRecord(r, PRIVACY_DEFAULTS)).toBe(r);
    expect(redactFlowRecord(r, { ...PRIVACY_DEFAULTS, tlsSni: false, userAgents: false })).toEqual({ id: 1, http: { method: 'GET', host: 'h.example', uri: '/p', userAgent: null } });
    expect(redactFlowRecord(r, { ...PRIVACY_DEFAULTS, httpUris: false }).http).toEqual({ method: 'GET', host: null, uri: null, userAgent: 'ua' });
  });
});
