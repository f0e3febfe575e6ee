// `edgeward bench --dispatch` stands the product's plug-ins in with no-op ones: the stand-ins must
// subscribe exactly as the real ones do (same hooks, same IP protocols, same order), or the figure
// would measure another bus.
import { describe, expect, it } from 'vitest';
import { ALERTS_DEFAULTS, AlertManager } from '../../gateway/alerts/alert-manager.js';
import { noopLike, timeSensor } from '../../gateway/cli/bench-dispatch.js';
import { standardPlugins } from '../../gateway/plugins/standard-plugins.js';
import { POLICY_DEFAULTS } from '../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../gateway/policy/profile-store.js';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { buildSensor } from '../../gateway/sensor/sensor.js';
import type { Plugin } from '../../gateway/sensor/plugin.js';
import { fixture, ROOT } from '../helpers/fixtures.js';

const HOOKS = ['onPacket', 'onFlowStart', 'onFlowEnd', 'onApp', 'onDeviceNew', 'onDeviceChange', 'onDnsAnswer', 'onTick', 'onFinish'] as const;
const shape = (p: Plugin) => ({ hooks: HOOKS.filter((h) => p[h] !== undefined), ipProtos: p.ipProtos, nonIpFrames: p.nonIpFrames });

describe('bench --dispatch stand-ins', () => {
  it('subscribe as the product\'s plug-ins do, in the same order', () => {
    const store = new ProfileStore();
    store.loadDir(`${ROOT}/policies/profiles`);
    const plugins = standardPlugins({ policy: { store, config: POLICY_DEFAULTS } });
    const build = (f: typeof plugins) => buildSensor({ config: PIPELINE_DEFAULTS, plugins: f, alerts: new AlertManager(ALERTS_DEFAULTS, null, false) }).bus.entries;
    const real = build(plugins), stand = build(noopLike(PIPELINE_DEFAULTS, { policy: { store, config: POLICY_DEFAULTS } }));
    expect(stand.map((e) => e.name)).toEqual(real.map((e) => e.name));
    expect(stand.map((e) => shape(e.p))).toEqual(real.map((e) => shape(e.p)));
    expect(real.some((e) => e.p.onPacket !== undefined && e.p.ipProtos !== undefined)).toBe(true);
  });

  it('run every packet of a capture through the sensor and raise nothing (the real plug-ins raise an alert there)', async () => {
    const file = fixture('pcap/ndpi/telnet.pcap');
    const stand = await timeSensor(file, PIPELINE_DEFAULTS, noopLike(PIPELINE_DEFAULTS), 1);
    const real = await timeSensor(file, PIPELINE_DEFAULTS, standardPlugins(), 1);
    expect(stand).toMatchObject({ packets: 92, alerts: 0 });
    expect(real.packets).toBe(92);
    expect(real.alerts).toBeGreaterThan(0);
  });
});
