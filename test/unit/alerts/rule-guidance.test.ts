// The words an analyst reads: every rule has a message template and a "what to do" text in one
// table; templates name the device by its name (host name, LLDP name, vendor and MAC, MAC) and read
// the evidence each raiser gives without ever writing "undefined" or an empty peer; the alert
// manager words new alerts with it, and the sensor builder plugs it in for every entry point.
import { describe, expect, it } from 'vitest';
import type { AlertInput } from '../../../gateway/alerts/alert.js';
import { ALERTS_DEFAULTS, AlertManager } from '../../../gateway/alerts/alert-manager.js';
import { alertRenderer, renderAlertMessage } from '../../../gateway/alerts/alert-renderer.js';
import { deviceName, type DeviceLookup } from '../../../gateway/alerts/device-name.js';
import { RULE_GUIDANCE, ruleCatalog } from '../../../gateway/alerts/rule-guidance.js';
import { RULES, RULE_IDS } from '../../../gateway/alerts/rules.js';
import { CAM, INVENTORY, PLUG, SAMPLES } from './rule-guidance-samples.js';

const lookup: DeviceLookup = (mac) => INVENTORY[mac];

/** Signs of a template that read a field that was not there, or left a peer or a number out. */
const BROKEN: readonly [string, RegExp][] = [
  ['undefined', /undefined/], ['null', /\bnull\b/], ['NaN', /NaN/], ['[object', /\[object/], ['double space', / {2}/],
  ['space before punctuation', / [,;:)]/], ['empty parentheses', /\(\s*\)/], ['empty peer', /\b(?:to|from|on|with|of|by|at) (?:[,;:)]|$)/],
  ['dangling colon', /:$/], ['port without host', /(?:^|\s):\d/], ['trailing space', /\s$/], ['nothing', /^$/],
];

function broken(text: string): string[] {
  return BROKEN.filter(([, re]) => re.test(text)).map(([name]) => name);
}

describe('the rule guidance table', () => {
  it('holds every rule of rules.ts, each with a message template and a "what to do" text, and nothing else', () => {
    expect(Object.keys(RULE_GUIDANCE).sort()).toEqual([...RULE_IDS].sort());
    for (const id of RULE_IDS) {
      expect(typeof RULE_GUIDANCE[id].message, id).toBe('function');
      expect(RULE_GUIDANCE[id].whatToDo.length, id).toBeGreaterThan(60);
      expect(RULE_GUIDANCE[id].whatToDo, id).toMatch(/^[A-Z].*\.$/s);
    }
  });

  it('lists the catalogue of GET /api/v1/rules from it, in the order of rules.ts', () => {
    const items = ruleCatalog();
    expect(items.map((i) => i.id)).toEqual(RULE_IDS);
    for (const i of items) {
      expect(i).toEqual({ id: i.id, severity: RULES[i.id][0], category: RULES[i.id][1], description: RULES[i.id][2], whatToDo: RULE_GUIDANCE[i.id].whatToDo });
    }
  });

  it('has a sample of every rule, as its raiser words it', () => {
    expect([...new Set(SAMPLES.map(([, a]) => a.rule))].sort()).toEqual([...RULE_IDS].sort());
  });
});

describe('message templates', () => {
  it.each(SAMPLES.map(([what, a, want]) => [what, a, want] as const))('%s', (_what, a, want) => {
    const got = renderAlertMessage(a, lookup);
    expect(got).toBe(want);
    expect(broken(got!)).toEqual([]);
  });

  it('a bare input of every rule (no evidence, no addresses, no ports) still reads, with and without a device', () => {
    for (const rule of RULE_IDS) {
      for (const device of [null, CAM, '02:00:00:00:00:99']) {
        const a: AlertInput = { rule, ts: 0, device, src: '', dst: '', proto: '', sport: null, dport: null, message: 'm', evidence: {} };
        const got = renderAlertMessage(a, lookup);
        expect(got, `${rule} ${device}`).not.toBeNull();
        expect(broken(got!), `${rule} ${device}: ${got}`).toEqual([]);
        if (device === CAM) expect(got, rule).toContain('cam01');
        if (device === '02:00:00:00:00:99' && rule !== 'sensor.capture-loss' && rule !== 'sensor.fault' && rule !== 'storm.reconnect') expect(got, rule).toContain(device);
      }
    }
  });

  it('evidence of the wrong types is read as missing, never printed', () => {
    const junk = { ports: 'many', hosts: NaN, signs: 'x', marks: [1, null], chain: 7, servicePorts: [null], after: 'x', disguise: 5, windowSeconds: Infinity, reason: '' };
    for (const rule of RULE_IDS) {
      const a: AlertInput = { rule, ts: 0, device: PLUG, src: '192.168.1.30', dst: '198.51.100.1', proto: 'tcp', sport: 1, dport: 2, message: 'm', evidence: junk };
      const got = renderAlertMessage(a, lookup);
      if (rule === 'sensor.capture-loss') continue; // its raiser's own words ('m')
      expect(broken(got!), `${rule}: ${got}`).toEqual([]);
      expect(got, rule).toContain(`TP-Link ${PLUG}`);
    }
  });

  it('a template that throws leaves the raiser\'s message; a device the template did not name is added', () => {
    const throwing = { get reason(): string { throw new Error('boom'); } };
    const a: AlertInput = { rule: 'mud.violation', ts: 0, device: CAM, src: '192.168.1.20', dst: '203.0.113.7', proto: 'tcp', sport: 1, dport: 2, message: 'm', evidence: throwing };
    expect(renderAlertMessage(a, lookup)).toBeNull();
    // The capture-loss template is its raiser's words: a device on such an input is added by name.
    const b: AlertInput = { rule: 'sensor.capture-loss', ts: 0, device: CAM, src: '', dst: '', proto: '', sport: null, dport: null, message: 'lost 5 packets', evidence: {} };
    expect(renderAlertMessage(b, lookup)).toBe('lost 5 packets [cam01]');
    // A device's own name that reads like a broken field is the device's choice, not a failed template.
    const odd: DeviceLookup = (mac) => ({ ...INVENTORY[CAM]!, mac, hostname: 'undefined-NaN' });
    const c: AlertInput = { rule: 'mud.no-profile', ts: 0, device: CAM, src: '', dst: '', proto: '', sport: null, dport: null, message: 'm', evidence: {} };
    expect(renderAlertMessage(c, odd)).toBe('undefined-NaN has no MUD profile');
  });
});

describe('device names', () => {
  it('host name, else LLDP name, else vendor and MAC, else the MAC; control characters dropped, long names cut', () => {
    const base = { mac: CAM, hostname: null, lldpSystemName: null, vendor: null, ips: [] };
    expect(deviceName(CAM, { ...base, hostname: 'cam01', lldpSystemName: 'sw', vendor: 'Hikvision' })).toBe('cam01');
    expect(deviceName(CAM, { ...base, lldpSystemName: 'core-switch', vendor: 'Cisco' })).toBe('core-switch');
    expect(deviceName(CAM, { ...base, vendor: 'Hikvision' })).toBe(`Hikvision ${CAM}`);
    expect(deviceName(CAM, base)).toBe(CAM);
    expect(deviceName(CAM, undefined)).toBe(CAM);
    expect(deviceName(CAM, { ...base, hostname: ' \u0007 ', vendor: 'V' })).toBe(`V ${CAM}`);
    expect(deviceName(CAM, { ...base, hostname: 'evil\u001b[31mname' })).toBe('evil[31mname');
    expect(deviceName(CAM, { ...base, hostname: 'x'.repeat(200) })).toBe('x'.repeat(64));
  });
});

describe('the alert manager with the renderer', () => {
  it('words a new alert once, by the template with the device named; later occurrences fold without rewording', () => {
    const names = new Map([[CAM, { ...INVENTORY[CAM]! }]]);
    const m = new AlertManager(ALERTS_DEFAULTS, null, true);
    m.setRenderer(alertRenderer((mac) => names.get(mac)));
    const [, sample] = SAMPLES.find(([what]) => what === 'scan.port from outside')!;
    const first = m.raise(sample)!;
    expect(first.message).toBe('203.0.113.9 probed 30 ports of cam01 (192.168.1.20) within 60 s; 2 open (23, 80)');
    names.get(CAM)!.hostname = 'front-door';
    const again = m.raise({ ...sample, ts: sample.ts + 1e6, evidence: { ...sample.evidence, ports: 60 } })!;
    expect(again).toBe(first);
    expect(first.count).toBe(2);
    expect(first.message).toBe('203.0.113.9 probed 30 ports of cam01 (192.168.1.20) within 60 s; 2 open (23, 80)');
    // Without a renderer the raiser's words stand (unit tests of a detector see those).
    const bare = new AlertManager(ALERTS_DEFAULTS, null, true);
    expect(bare.raise(sample)!.message).toBe("scan.port (raiser's words)");
  });
});
