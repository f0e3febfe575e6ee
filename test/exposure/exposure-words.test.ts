// The exposure findings for an owner: a default password that the internet can reach is critical
// and names the way in; on the LAN only it is high; a maintenance service open to the internet
// without one is high; a clean audit is said once; no credential is ever in the words.
import { describe, expect, it } from 'vitest';
import { deviceExposure, exposureSummary, type ExposureInput } from '../../gateway/exposure/exposure-view.js';

const NOW = Date.UTC(2026, 0, 2);
const base: ExposureInput = { mac: '02:00:00:00:00:0c', name: 'camera', services: [], mappings: [], passive: [], audit: null, now: NOW };
const telnet = { mac: base.mac, proto: 'tcp' as const, port: 23, firstSeen: '2026-01-01T00:00:00.000000Z', lastSeen: '2026-01-01T00:01:00.000000Z', lanPeers: 1, wanPeers: 0, lastWan: null };
const upnp = { key: 'upnp/tcp/2323', mac: base.mac, via: 'upnp' as const, proto: 'tcp' as const, externalPort: 2323, internalPort: 23, internalIp: '192.168.1.12', askedAt: '2026-01-01T00:00:00.000000Z', expiresAt: null };

describe('exposure findings', () => {
  it('a default password the internet reaches through a mapping: critical, with the steps in order', () => {
    const e = deviceExposure({ ...base, services: [telnet], mappings: [upnp], passive: [{ service: 'telnet', port: 23, list: 'mirai', at: '2026-01-01T00:00:30Z' }] });
    expect(e.level).toBe('critical');
    expect(e.findings).toHaveLength(1);
    const f = e.findings[0]!;
    expect(f.text).toBe('camera accepts a factory default password on telnet (tcp 23): a login was seen succeeding with a pair from the mirai list, the passwords Mirai-style worms try first. '
      + 'And the internet can reach it through a port mapping it asked the router for over UPnP (outside port 2323): it can be taken over from anywhere.');
    expect(f.todo[0]).toMatch(/^Change the password of telnet on camera now/);
    expect(f.todo[1]).toMatch(/^Remove the port mapping/);
    expect(exposureSummary(e)).toEqual({ level: 'critical', services: 1, maintenance: ['telnet'], internet: true, defaultCredential: true });
  });

  it('the same on the LAN only is high; an expired lease or an old outside connection does not count as reachable', () => {
    const old = { ...telnet, wanPeers: 1, lastWan: '2025-12-01T00:00:00.000000Z' };
    const e = deviceExposure({ ...base, services: [old], mappings: [{ ...upnp, expiresAt: '2026-01-01T12:00:00.000000Z' }], passive: [{ service: 'telnet', port: 23, list: 'mirai', at: '2026-01-01T00:00:30Z' }] });
    expect(e.services[0]!.internet).toEqual({ reachable: false, paths: [] });
    expect(e.level).toBe('high');
    expect(e.findings[0]!.text).toContain('Only devices on your network can reach it today');
  });

  it('an audit that logged in shows on its service; a clean audit is one info line; nothing closed is listed', () => {
    const run = (outcome: 'default-accepted' | 'not-accepted', list: string | null) => ({
      id: 7, mac: base.mac, ip: '192.168.1.12', startedAt: '2026-01-01T10:00:00.000Z', endedAt: '2026-01-01T10:00:09.000Z',
      results: [
        { service: 'telnet' as const, port: 23, outcome, list, tried: 4, detail: null },
        { service: 'ssh' as const, port: 22, outcome: 'closed' as const, list: null, tried: 0, detail: null },
      ],
    });
    const found = deviceExposure({ ...base, services: [telnet], audit: run('default-accepted', 'mirai') });
    expect(found.services.map((s) => s.port)).toEqual([23]);
    expect(found.services[0]!.credentials).toEqual([{ source: 'audit', list: 'mirai', at: '2026-01-01T10:00:00.000Z' }]);
    expect(found.findings[0]!.text).toContain('the audit logged in with a pair from the mirai list');
    const clean = deviceExposure({ ...base, services: [telnet], audit: run('not-accepted', null) });
    expect(clean.findings.map((f) => f.severity)).toEqual(['medium', 'info']);
    expect(clean.findings[0]!.text).toContain('The audit of 2026-01-01 found no default password on it.');
    expect(clean.findings[1]!.text).toBe('The audit of 2026-01-01 10:00 UTC tried the default-password lists on telnet (23) of camera: none was accepted.');
  });
});
