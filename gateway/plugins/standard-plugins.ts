// The product's list of plug-ins, in the order their hooks run: every registered detector, then the
// MUD policy (when profiles are configured), the denial recorder that reads the policy's verdicts,
// the profile learner (when devices are being learned) and the traffic meter. Every entry point
// hands this list to buildSensor, so what runs is decided by the config alone, never by which
// command runs it.
import { exposureTrackerFactory, type ExposureTrackerOptions } from '../exposure/exposure-tracker.js';
import { credentialListOf, MAX_CREDENTIAL_BYTES } from '../exposure/default-credentials.js';
import type { CredentialCheck } from '../app/credential-check.js';
import { defaultCredential } from '../detect/detectors/default-credential.js';
import type { EventLog } from '../common/event-log.js';
import { DETECTORS } from '../detect/registry.js';
import { DenialRecorder } from '../explain/denial-recorder.js';
import type { LearnerOptions } from '../learn/learn-config.js';
import { ProfileLearner } from '../learn/profile-learner.js';
import { TrafficMeter } from '../metrics/traffic-meter.js';
import { MudPolicy, type Enforcement, type ProfileFetcher } from '../policy/mud-policy.js';
import type { PolicyConfig } from '../policy/policy-config.js';
import type { ProfileStore } from '../policy/profile-store.js';
import { specFactories, type PluginConfig, type PluginFactory, type PluginSpec } from '../sensor/plugin.js';

/** The MUD policy's inputs. */
export interface PolicyPluginOptions {
  config: Readonly<PolicyConfig>;
  store: ProfileStore;
  /** nftables in enforce mode (the daemon), else null. */
  enforcement?: Enforcement | null;
  /** Fetches MUD URLs no local profile answers (the daemon), else null. */
  fetcher?: ProfileFetcher | null;
  /** Denied flows the denial recorder keeps explained (`mud explain` keeps all). Default the recorder's. */
  denialsKept?: number;
}

/** What decides the list. */
export interface StandardPluginOptions {
  /** `detect.<name>` settings (an `enabled: false` leaves a detector out). */
  detect?: PluginConfig;
  /** Detector kinds; default every one in the registry (tests narrow it). */
  detectors?: readonly PluginSpec<object>[];
  /** MUD profiles to hold devices to; null or absent: no policy, no denial recorder. */
  policy?: PolicyPluginOptions | null;
  /** Devices to learn (`policy.learn`, `mud learn --device`); null, absent or no devices: no learner. */
  learn?: Partial<LearnerOptions> | null;
  /** Caps of the exposure inventory's tables (config `exposure`). */
  exposure?: Partial<ExposureTrackerOptions>;
  /** Rows of the traffic meter (`metrics.maxMeteredDevices`). Default 8192. */
  maxMeteredDevices?: number;
  /**
   * A live sensor worker's list (workers/sensor-worker.ts): the detectors only (policy and learn
   * are ignored). The exposure
   * inventory and the traffic meter are read from the main thread's sensor, which sees every frame;
   * a worker's copies would cost each packet and never be read.
   */
  detectorsOnly?: boolean;
  log?: EventLog;
}

/** The bundled default-credential lists, as the telnet, HTTP and FTP modules ask them. */
const DEFAULT_CREDENTIALS: CredentialCheck = Object.freeze({ maxBytes: MAX_CREDENTIAL_BYTES, listOf: credentialListOf });

/**
 * The defaultCredential detector reads the login modules' answers, so it brings them the lists
 * (detect/ cannot import exposure/; privacy.defaultCredentials still decides whether they are used).
 */
function withCredentialCheck(f: PluginFactory): PluginFactory {
  return f.name === defaultCredential.name ? { ...f, credentialCheck: DEFAULT_CREDENTIALS } : f;
}

/** The plug-in names a config yields, in bus order (for the entry-point test and the docs). */
export function standardPlugins(o: StandardPluginOptions = {}): PluginFactory[] {
  const list = specFactories(o.detectors ?? DETECTORS, o.detect ?? {}).map(withCredentialCheck);
  if (o.detectorsOnly === true) return list;
  const pol = o.policy ?? null;
  if (pol !== null) {
    // The recorder reads the verdict the policy just gave, so it runs right after it.
    let policy: MudPolicy | null = null;
    list.push({
      name: 'mudPolicy', rules: ['mud.violation', 'mud.no-profile'],
      create: (host) => (policy = new MudPolicy(host, pol.config, pol.store, pol.enforcement ?? null, pol.fetcher ?? null, o.log)),
    });
    list.push({ name: 'denialRecorder', rules: [], create: (host) => new DenialRecorder(host, policy!, pol.denialsKept !== undefined ? { maxEntries: pol.denialsKept } : {}) });
  }
  const learn = o.learn ?? null;
  if (learn !== null && (learn.devices?.length ?? 0) > 0) {
    list.push({ name: 'profileLearner', rules: [], create: (host) => new ProfileLearner(host, learn) });
  }
  list.push(exposureTrackerFactory(o.exposure));
  list.push({ name: 'trafficMeter', rules: [], create: (host) => new TrafficMeter(o.maxMeteredDevices ?? 8192, o.log, host.events) });
  return list;
}
