// The whole packet path on mutated frame bursts (frame-burst.ts): the sensor (buildSensor) with every plug-in,
// the MUD policy among them, state kept across inputs. Contract: never throws on frame content, tables stay capped.
import { join } from 'node:path';
import { ALERTS_DEFAULTS, AlertManager } from '../../alerts/alert-manager.js';
import { pipelineConfig } from '../../sensor/sensor-config.js';
import { packageRoot } from '../../common/package-root.js';
import { DEMO_GATEWAY_ADDRESSES } from '../../demo/demo-network.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { standardPlugins } from '../../plugins/standard-plugins.js';
import { buildSensor } from '../../sensor/sensor.js';
import { POLICY_DEFAULTS } from '../../policy/policy-config.js';
import { ProfileStore } from '../../policy/profile-store.js';
import { burstGenerator, forEachFrame } from '../frame-burst.js';
import { FuzzInvariantError, type FuzzTarget } from '../fuzz-target.js';
import { chance } from '../iteration-random.js';

/** Packet time of the first input, µs (2023-11-14). */
const START_US = 1_700_000_000_000_000;

/**
 * The pipeline as `edgeward replay` runs it (bundled profiles), with small caps so that eviction
 * runs too. Packet time moves on by up to 0.2 s a frame, now and then backwards or a day ahead, as
 * in a doctored capture.
 */
export const pipelineTarget: FuzzTarget = {
  name: 'pipeline',
  description: 'Pipeline.handle with all detectors and the MUD policy on mutated frames, state kept across inputs: never throws',
  ext: 'bin',
  generator: burstGenerator,
  open() {
    const config = pipelineConfig({ flows: { maxFlows: 4096 }, devices: { maxDevices: 512 }, dns: { maxNames: 2048 } });
    const alerts = new AlertManager(ALERTS_DEFAULTS, null, false);
    const store = new ProfileStore();
    store.loadDir(join(packageRoot(), 'policies', 'profiles'));
    const sensor = buildSensor({
      config, alerts,
      plugins: standardPlugins({ policy: { config: { ...POLICY_DEFAULTS, gatewayAddresses: [...DEMO_GATEWAY_ADDRESSES] }, store } }),
    });
    const pipeline = sensor.pipeline;
    const sink = sensor.sink;
    let ts = START_US;
    let chunk = Buffer.alloc(64 * 1024);
    return {
      run(input: Buffer, rng: SeededRandom): void {
        forEachFrame(input, (linkType, frame) => {
          if (chance(rng, 0.01)) ts -= rng.int(0, 10_000_000);
          else if (chance(rng, 0.001)) ts += rng.int(0, 86_400) * 1e6;
          else ts += rng.int(0, 200_000);
          if (ts < 0) ts = 0;
          const pad = rng.int(0, 15);
          if (chunk.length < pad + frame.length) chunk = Buffer.alloc((pad + frame.length) * 2);
          frame.copy(chunk, pad);
          const origLen = chance(rng, 0.05) ? frame.length + rng.int(1, 1500) : frame.length;
          sink(chunk, pad, frame.length, origLen, ts, linkType, 0);
        });
        // Every table keyed by traffic has a cap (STYLE: bounded state).
        if (pipeline.flows.size > config.flows.maxFlows) throw new FuzzInvariantError(`flow table holds ${pipeline.flows.size} flows, over its cap ${config.flows.maxFlows}`);
        if (pipeline.devices.size > config.devices.maxDevices) throw new FuzzInvariantError(`inventory holds ${pipeline.devices.size} devices, over its cap ${config.devices.maxDevices}`);
        // The fault boundary contains a plug-in that throws; for the fuzzer that is still a finding.
        const faulty = sensor.bus.entries.find((e) => e.faults > 0);
        if (faulty !== undefined) throw new FuzzInvariantError(`plug-in ${faulty.name} threw in ${faulty.lastHook}: ${faulty.lastError}`);
      },
      finish(): void {
        sensor.finish();
      },
    };
  },
};
