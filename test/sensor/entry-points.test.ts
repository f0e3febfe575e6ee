// One core, built once (STYLE.md §13): every entry point builds the packet engine through
// buildSensor with the product's plug-in list, and one config gives the same plug-ins everywhere.
// The source check names every entry point; the run check builds the sensor of the daemon, a
// replay (what replay, bench, mud learn and mud explain use), the soak and compares their plug-ins.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../gateway/plugins/gateway-config.js';
import { GatewayDaemon } from '../../gateway/daemon/gateway-daemon.js';
import { DETECTORS } from '../../gateway/detect/registry.js';
import { standardPlugins } from '../../gateway/plugins/standard-plugins.js';
import { POLICY_DEFAULTS } from '../../gateway/policy/policy-config.js';
import { ProfileStore } from '../../gateway/policy/profile-store.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import { Sensor } from '../../gateway/sensor/sensor.js';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { runSoak } from '../../gateway/soak/soak-run.js';
import { MAIN_THREAD_DETECTORS } from '../../gateway/workers/worker-pool.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const SRC = 'gateway';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Files whose code (comments dropped) contains `needle`. */
function callers(needle: string): string[] {
  return files(SRC).filter((f) => readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '').includes(needle)).sort();
}

/** Every entry point of the product and its harnesses, and how each reaches the builder. */
const ENTRY_POINTS: Record<string, string> = {
  'edgeward start (daemon)': 'gateway/daemon/gateway-daemon.ts',
  'edgeward replay': 'gateway/cli/replay-command.ts',
  'edgeward bench': 'gateway/cli/bench-command.ts',
  'edgeward mud learn': 'gateway/cli/mud-learn-command.ts',
  'edgeward mud explain': 'gateway/cli/explain-capture.ts',
  'npm run soak': 'gateway/soak/soak-run.ts',
  'fuzz target "pipeline"': 'gateway/fuzz/targets/pipeline-target.ts',
};

describe('every entry point builds the sensor through the one builder', () => {
  it('only the builder makes a pipeline or a bus', () => {
    expect(callers('new Pipeline(')).toEqual(['gateway/sensor/sensor.ts']);
    expect(callers('new PluginBus(')).toEqual(['gateway/sensor/sensor.ts']);
  });

  it('each entry point calls buildSensor with standardPlugins, directly or through replayCapture', () => {
    const builders = callers('buildSensor(').filter((f) => f !== 'gateway/sensor/sensor.ts');
    // bench-dispatch.ts: `bench --dispatch` builds the product's list to copy its subscriptions.
    expect(builders).toEqual(['gateway/cli/bench-dispatch.ts', 'gateway/daemon/gateway-daemon.ts', 'gateway/fuzz/targets/pipeline-target.ts', 'gateway/replay/replay.ts', 'gateway/soak/soak-run.ts', 'gateway/workers/sensor-worker.ts']);
    for (const f of builders) expect(readFileSync(f, 'utf8'), f).toContain('standardPlugins(');
    for (const [name, f] of Object.entries(ENTRY_POINTS)) {
      const text = readFileSync(f, 'utf8');
      expect(text.includes('buildSensor(') || text.includes('replayCapture('), `${name} (${f})`).toBe(true);
    }
    // Nothing else hand-assembles a packet path.
    expect(callers('.observers.push(')).toEqual([]);
  });

  it('one config (bundled profiles, every detector) gives the same plug-ins in the daemon, a replay and the soak', async () => {
    const profilesDir = 'policies/profiles';
    const store = new ProfileStore();
    store.loadDir(profilesDir);
    const expected = standardPlugins({ policy: { config: POLICY_DEFAULTS, store } }).map((f) => f.name);
    expect(expected).toContain('mudPolicy');
    expect(expected).toContain('denialRecorder');
    expect(expected).toContain('trafficMeter');
    expect(expected.length).toBeGreaterThan(18);

    const { sensor } = await replayCapture('../shared/fixtures/pcap/ndpi/tplink_shp.pcap', { config: PIPELINE_DEFAULTS, detect: { policy: { config: POLICY_DEFAULTS, store } } });
    expect(sensor).toBeInstanceOf(Sensor);
    expect(sensor.pluginNames).toEqual(expected);

    const dir = mkdtempSync(join(tmpdir(), 'edgeward-entry-'));
    try {
      const cfg = validateConfig({ storage: { dataDir: dir }, server: { port: 0 }, demo: { enabled: false }, policy: { profilesDir } }, 'test');
      const daemon = new GatewayDaemon(cfg, () => {}, { source: 'none' });
      expect(daemon.sensor).toBeInstanceOf(Sensor);
      expect(daemon.sensor.pluginNames).toEqual(expected);
      daemon.db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const soak = await runSoak({ seconds: 1, rate: 2000, devices: 50, intervalSeconds: 1 });
    expect(soak.plugins).toEqual(expected);
  }, 60_000);

  it('a live sensor worker runs its detectors only: the inventory and the meter are the main thread\'s, which sees every frame', () => {
    const detectors = DETECTORS.filter((d) => !MAIN_THREAD_DETECTORS.includes(d.name));
    const names = standardPlugins({ detectors, detectorsOnly: true }).map((f) => f.name);
    expect(names).toEqual(detectors.map((d) => d.name));
    expect(names).not.toContain('exposureTracker');
    expect(names).not.toContain('trafficMeter');
    expect(standardPlugins({ detectors }).map((f) => f.name)).toEqual([...names, 'exposureTracker', 'trafficMeter']);
    // The live worker is built with that list (the pool's workers post alert inputs only, so the list is read from the source).
    expect(readFileSync('gateway/workers/sensor-worker.ts', 'utf8')).toMatch(/standardPlugins\(\{.*detectorsOnly: true.*\}\)/);
  });
});
