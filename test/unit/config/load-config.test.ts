// The config file: defaults merged and frozen, unknown keys and wrong types refused with their
// paths, every problem reported at once.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, GATEWAY_DEFAULTS } from '../../../gateway/config/load-config.js';
import { loadConfig, validateConfig } from '../../../gateway/plugins/gateway-config.js';
import { DETECTORS } from '../../../gateway/detect/registry.js';

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw, 'c.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('config.invalid');
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('merges overrides onto the defaults and freezes the result', () => {
    const c = validateConfig({ flows: { maxFlows: 10000 }, devices: { localNetworks: ['203.0.113.0/24'] }, alerts: { dedupWindowSeconds: 60, severity: { 'device.new': 'medium' } } });
    expect(c.pipeline.flows.maxFlows).toBe(10000);
    expect(c.pipeline.flows.udpTimeout).toBe(GATEWAY_DEFAULTS.pipeline.flows.udpTimeout);
    expect(c.pipeline.devices.localNetworks).toEqual(['203.0.113.0/24']);
    expect(c.alerts).toMatchObject({ dedupWindowSeconds: 60, maxOpen: 10000, severity: { 'device.new': 'medium' } });
    expect(Object.isFrozen(c.pipeline.flows)).toBe(true);
    expect(Object.isFrozen(c.alerts)).toBe(true);
  });

  it('reports every problem at once, each with its path', () => {
    expect(problems({
      flows: { maxFlows: 'many', idle: 3 },
      nope: {},
      dns: [],
      alerts: { severity: { 'scan.port': 'urgent', 'no.such': 'low' }, window: 1 },
      detect: { noSuchDetector: {} },
    })).toEqual([
      'c.json: flows.maxFlows: must be a non-negative number',
      'c.json: flows.idle: unknown key (known: maxFlows, tcpNewTimeout, tcpEstablishedTimeout, tcpClosedTimeout, udpTimeout, otherTimeout, activeTimeout)',
      'c.json: nope: unknown key (known: decode, flows, devices, dns, stream, sensor, privacy, detect, alerts, policy, capture, fetch, enforce, storage, server, demo, edgeLogs, metrics, suppressions, incidents, fleet, exposure, audit)',
      'c.json: dns: must be an object',
      `c.json: detect.noSuchDetector: unknown detector (known: ${DETECTORS.map((s) => s.name).join(', ')})`,
      'c.json: alerts.severity.scan.port: must be one of low, medium, high, critical',
      'c.json: alerts.severity.no.such: unknown rule id',
      'c.json: alerts.window: unknown key (known: dedupWindowSeconds, maxOpen, severity)',
    ]);
  });

  it('checks the policy section: mode, default for devices without a profile, bindings, controllers', () => {
    const c = validateConfig({ policy: { mode: 'enforce', noProfile: 'quarantine', bindings: { '02:00:00:00:00:01': 'a.json' }, emergency: ['192.0.2.1/32'] } });
    expect(c.policy).toMatchObject({ mode: 'enforce', noProfile: 'quarantine', bindings: { '02:00:00:00:00:01': 'a.json' }, emergency: ['192.0.2.1/32'], gatewayAddresses: [] });
    expect(problems({ policy: { mode: 'block', noProfile: 'deny', bindings: ['x'], controllers: { 'urn:x': 'addr' }, emergency: [1], other: 1 } })).toEqual([
      'c.json: policy.mode: must be monitor or enforce',
      'c.json: policy.noProfile: must be allow or quarantine',
      'c.json: policy.bindings: must map MAC addresses to MUD file paths',
      'c.json: policy.controllers: must map URIs to lists of addresses',
      'c.json: policy.emergency: must be a list of strings',
      'c.json: policy.other: unknown key (known: mode, noProfile, profilesDir, bindings, localNetworks, gatewayAddresses, dnsServers, ntpServers, controllers, myControllers, emergency, learn)',
    ]);
  });

  it('checks the daemon sections: capture, fetch, enforce, storage', () => {
    const c = validateConfig({ capture: { interface: 'br-lan' }, enforce: { failMode: 'closed' }, storage: { dataDir: '/var/lib/edgeward' } });
    expect(c.capture).toMatchObject({ interface: 'br-lan', snaplen: 65535 });
    expect(c.enforce).toMatchObject({ failMode: 'closed', aliveTimeoutSeconds: 3 });
    expect(c.fetch.requireSignature).toBe(true);
    expect(problems({ capture: { interface: 3, promisc: true }, enforce: { failMode: 'ajar' }, fetch: { trustAnchors: 'ca.pem' } })).toEqual([
      'c.json: capture.interface: must be a string',
      'c.json: capture.promisc: unknown key (known: interface, filter, snaplen, bufferSize, ringSize, timeoutMs, promiscuous, workers)',
      'c.json: fetch.trustAnchors: must be a list of strings',
      'c.json: enforce.failMode: must be open or closed',
    ]);
  });

  it('still loads a config written for an older gateway: edgeLogs.maxClockSkewSeconds is accepted and ignored', () => {
    const c = validateConfig({ edgeLogs: { maxClockSkewSeconds: 600 } });
    expect(c.edgeLogs.skewThresholdSeconds).toBe(60);
    expect(() => validateConfig({ edgeLogs: { maxClockSkewSeconds: 'a day' } })).toThrow(/edgeLogs\.maxClockSkewSeconds/);
  });

  it('refuses a flow cap below one and a non-object file', () => {
    expect(problems({ flows: { maxFlows: 0 } })).toEqual(['c.json: flows.maxFlows: must be at least 1']);
    expect(problems([])).toEqual(['c.json: must be a JSON object']);
  });

  it('reads YAML, then EDGEWARD_* variables over it, and reports the faults of both at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgeward-cfg-'));
    const file = join(dir, 'edgeward.yaml');
    writeFileSync(file, 'server:\n  port: 9000\n  host: 0.0.0.0\nedgeLogs: { udpPort: 1514 }\npolicy:\n  gatewayAddresses: [192.168.1.1]\n');
    const c = loadConfig(file, { EDGEWARD_SERVER_PORT: '9090', EDGEWARD_STORAGE_DATA_DIR: '/var/lib/edgeward', EDGEWARD_EDGE_LOGS_TCP_PORT: '1515', EDGEWARD_DEMO_ENABLED: 'false', EDGEWARD_CAPTURE_FILTER: 'not port 22' });
    expect(c.server).toMatchObject({ port: 9090, host: '0.0.0.0' });
    expect(c.storage.dataDir).toBe('/var/lib/edgeward');
    expect(c.edgeLogs).toMatchObject({ udpPort: 1514, tcpPort: 1515 });
    expect(c.demo.enabled).toBe(false);
    expect(c.capture.filter).toBe('not port 22');
    expect(c.policy.gatewayAddresses).toEqual(['192.168.1.1']);
    writeFileSync(file, 'server:\n  port: high\n  bogus: 1\n');
    let err: ConfigError | null = null;
    try {
      loadConfig(file, { EDGEWARD_SERVER_PORTT: '1', EDGEWARD_DEMO_ENABLED: 'maybe' });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems).toEqual([
      'environment: EDGEWARD_DEMO_ENABLED: must be true or false',
      'environment: EDGEWARD_SERVER_PORTT: names no setting (EDGEWARD_<SECTION>_<KEY>, e.g. EDGEWARD_SERVER_PORT)',
      `${file}: server.port: must be a non-negative number`,
      `${file}: server.bogus: unknown key (known: ${Object.keys(GATEWAY_DEFAULTS.server).join(', ')})`,
    ]);
    writeFileSync(file, 'server:\n  port: 1\n   host: x\n');
    expect(() => loadConfig(file, {})).toThrow(/not valid YAML: .*\(line 2, column 9\)/);
    rmSync(dir, { recursive: true, force: true });
  });
});
