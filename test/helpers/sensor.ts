// A sensor for tests, built by the product's builder: the given plug-ins (running objects or
// factories), an in-memory alert manager, and a `feed` that hands one frame to the sink.
import { ALERTS_DEFAULTS, AlertManager } from '../../gateway/alerts/alert-manager.js';
import type { DnsMessage } from '../../gateway/app/dns/dns-message.js';
import type { PacketView } from '../../gateway/decode/packet-view.js';
import type { Plugin, PluginFactory } from '../../gateway/sensor/plugin.js';
import { buildSensor, type Sensor } from '../../gateway/sensor/sensor.js';
import { PIPELINE_DEFAULTS, type PipelineConfig } from '../../gateway/sensor/sensor-config.js';

/** A running plug-in as a factory named `name` (tests make the plug-in themselves). */
export function asFactory(name: string, p: Plugin | ((host: Parameters<PluginFactory['create']>[0]) => Plugin)): PluginFactory {
  return { name, rules: [], create: (host) => (typeof p === 'function' ? p(host) : p) };
}

/** buildSensor over `plugins` with an in-memory AlertManager. */
export function testSensor(plugins: readonly PluginFactory[] = [], config: Readonly<PipelineConfig> = PIPELINE_DEFAULTS): Sensor {
  return buildSensor({ config, plugins, alerts: new AlertManager(ALERTS_DEFAULTS) });
}

/** Hands a DNS message to a plug-in as the sensor does: an app record of kind 'dns'. */
export function giveDns(p: Plugin, msg: DnsMessage, pv: PacketView): void {
  const flavor = pv.srcPort === 5353 || pv.dstPort === 5353 ? 'mdns' : 'dns';
  p.onApp!({ kind: 'dns', ts: pv.ts, transport: 'udp', flavor, msg }, pv, null, 0);
}
