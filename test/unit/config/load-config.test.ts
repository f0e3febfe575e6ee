// The config file: defaults merged and frozen, unknown keys and wrong types refused with their
// paths, every problem reported at once.
import { describe, expect, it } from 'vitest';
import { ConfigError, GATEWAY_DEFAULTS, validateConfig } from '../../../gateway/config/load-config.js';
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
      'c.json: flows.idle: unknown key (known: maxFlows, tcpNewTimeout, tcpEstablishedTimeout, tcpClosedTimeout, udpTimeout, otherTimeout, activeTimeout, reassemblyBytes)',
      'c.json: nope: unknown key (known: decode, flows, devices, dns, detect, alerts, policy, capture, fetch, enforce, storage)',
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
      'c.json: policy.other: unknown key (known: mode, noProfile, profilesDir, bindings, localNetworks, gatewayAddresses, dnsServers, ntpServers, controllers, myControllers, emergency)',
    ]);
  });

  it('checks the daemon sections: capture, fetch, enforce, storage', () => {
    const c = validateConfig({ capture: { interface: 'br-lan' }, enforce: { failMode: 'closed' }, storage: { dataDir: '/var/lib/edgeward' } });
    expect(c.capture).toMatchObject({ interface: 'br-lan', snaplen: 65535 });
    expect(c.enforce).toMatchObject({ failMode: 'closed', aliveTimeoutSeconds: 3 });
    expect(c.fetch.requireSignature).toBe(true);
    expect(problems({ capture: { interface: 3, promisc: true }, enforce: { failMode: 'ajar' }, fetch: { trustAnchors: 'ca.pem' } })).toEqual([
      'c.json: capture.interface: must be a string',
      'c.json: capture.promisc: unknown key (known: interface, filter, snaplen, bufferSize)',
      'c.json: fetch.trustAnchors: must be a list of strings',
      'c.json: enforce.failMode: must be open or closed',
    ]);
  });

  it('refuses a flow cap below one and a non-object file', () => {
    expect(problems({ flows: { maxFlows: 0 } })).toEqual(['c.json: flows.maxFlows: must be at least 1']);
    expect(problems([])).toEqual(['c.json: must be a JSON object']);
  });
});
