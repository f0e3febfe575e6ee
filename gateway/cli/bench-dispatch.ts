// `edgeward bench --dispatch`: what the plug-in bus itself costs. Each plug-in of the product's list
// is stood in for by one that does nothing in the same hooks (same IP protocols), so the run pays for
// calling the hooks and nothing else; beside the bare pipeline's time it is the bus's share.
import { ALERTS_DEFAULTS, AlertManager } from '../alerts/alert-manager.js';
import { openCapture } from '../capture/open-capture.js';
import { standardPlugins, type StandardPluginOptions } from '../plugins/standard-plugins.js';
import type { PipelineConfig } from '../sensor/sensor-config.js';
import { buildSensor } from '../sensor/sensor.js';
import type { Plugin, PluginFactory } from '../sensor/plugin.js';

const HOOKS = ['onPacket', 'onFlowStart', 'onFlowEnd', 'onApp', 'onDeviceNew', 'onDeviceChange', 'onDnsAnswer', 'onTick', 'onFinish'] as const;

/** Plug-ins that subscribe exactly as the product's (`standardPlugins(opts)`) do, each with hooks that return at once. */
export function noopLike(config: Readonly<PipelineConfig>, opts: StandardPluginOptions = {}): PluginFactory[] {
  const real = buildSensor({ config, plugins: standardPlugins(opts), alerts: new AlertManager(ALERTS_DEFAULTS, null, false) });
  return real.bus.entries.map((e) => {
    const p = e.p;
    return {
      name: e.name, rules: [],
      create: (): Plugin => {
        // A class of its own per plug-in, as the real ones are, so call sites see distinct shapes.
        const noop: Record<string, unknown> = { [`noop_${e.name}`]: true };
        for (const h of HOOKS) if (p[h] !== undefined) noop[h] = () => undefined;
        if (p.ipProtos !== undefined) noop.ipProtos = p.ipProtos;
        if (p.nonIpFrames !== undefined) noop.nonIpFrames = p.nonIpFrames;
        return noop;
      },
    };
  });
}

/** The best of `runs` runs of `file` through a sensor with `plugins`: seconds, packets, alerts raised. */
export async function timeSensor(
  file: string, config: Readonly<PipelineConfig>, plugins: readonly PluginFactory[], runs: number,
): Promise<{ seconds: number; packets: number; alerts: number }> {
  let best = { seconds: Infinity, packets: 0, alerts: 0 };
  for (let i = 0; i < runs; i++) {
    const alerts = new AlertManager(ALERTS_DEFAULTS, null, true);
    const sensor = buildSensor({ config, plugins, alerts });
    const t0 = process.hrtime.bigint();
    await openCapture(file).run(sensor.sink);
    sensor.finish();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (seconds < best.seconds) best = { seconds, packets: sensor.pipeline.packets, alerts: alerts.all().length };
  }
  return best;
}
