// The parts of the running gateway that the API adapter and the device views read. The daemon
// implements it; the views take this instead of the daemon class, so they do not import it back.
import type { AlertStore } from '../alerts/alert-store.js';
import type { AlertCapture } from './alert-capture.js';
import type { Suppressions } from '../alerts/suppressions.js';
import type { AuditStore } from '../audit/audit-store.js';
import type { AuthLimiter } from '../auth/auth-limiter.js';
import type { TokenStore } from '../auth/token-store.js';
import type { GatewayConfig } from '../config/load-config.js';
import type { EdgeLogService } from '../edge-logs/edge-log-service.js';
import type { IncidentCorrelator } from '../incidents/incident-correlator.js';
import type { DenialRecorder } from '../explain/denial-recorder.js';
import type { ProfileLearner } from '../learn/profile-learner.js';
import type { InfluxWriter } from '../metrics/influx-writer.js';
import type { PrometheusExporter } from '../metrics/prometheus.js';
import type { TrafficHistory } from '../metrics/traffic-history.js';
import type { MudPolicy } from '../policy/mud-policy.js';
import type { ProfileUploads } from '../policy/profile-uploads.js';
import type { Pipeline } from '../sensor/packet-pipeline.js';
import type { Sensor, SensorHealth } from '../sensor/sensor.js';
import type { StreamServer } from '../server/stream-server.js';
import type { Db } from '../store/database.js';
import type { FlowStore } from '../store/flow-store.js';
import type { StorageGuard } from '../store/storage-guard.js';
import type { FleetLink } from '../fleet/fleet-link.js';
import type { CommandListener } from '../fleet/command-listener.js';
import type { SourceKind } from './frame-sources.js';
import type { CaptureLossWatch, CaptureSample } from './capture-loss.js';
import type { ResponseActions } from '../response/response-actions.js';
import type { ExposureTracker } from '../exposure/exposure-tracker.js';
import type { ExposureStore } from '../exposure/exposure-store.js';
import type { AuditJobs } from '../exposure/audit/audit-jobs.js';

/** What the views may read of the daemon. */
export interface DaemonParts {
  readonly cfg: Readonly<GatewayConfig>;
  readonly pipeline: Pipeline;
  readonly sensor: Sensor;
  readonly policy: MudPolicy;
  readonly denials: DenialRecorder;
  readonly learner: ProfileLearner | null;
  /** The exposure inventory's passive half (services, port mappings) and its tables (with the audits). */
  readonly exposure: ExposureTracker;
  readonly exposureStore: ExposureStore;
  /** The opt-in exposure audits run from the API (one at a time, in the background). */
  readonly exposureAudits: AuditJobs;
  readonly db: Db;
  readonly alertStore: AlertStore;
  /** Capture on alert (privacy.captureOnAlert), or null when it is off. */
  readonly alertCapture: AlertCapture | null;
  /** Suppression rules with their counts and silenced inputs. */
  readonly suppressions: Suppressions;
  readonly flowStore: FlowStore;
  /** What a full disk kept out of storage (health, metrics). */
  readonly storage: StorageGuard;
  /** The fleet link (health), or null when fleet is off. */
  readonly fleet: FleetLink | null;
  /** The fleet command listener (health `fleet.commands`), or null when fleet is off. */
  readonly commands: CommandListener | null;
  readonly tokens: TokenStore;
  readonly limiter: AuthLimiter;
  /** The audit log (table audit_log): API writes are recorded by the app, CLI writes by the CLI. */
  readonly audit: AuditStore;
  readonly uploads: ProfileUploads;
  readonly stream: StreamServer;
  readonly edgeLogs: EdgeLogService;
  /** Incidents: the correlator and its store. */
  readonly incidents: IncidentCorrelator;
  readonly trafficHistory: TrafficHistory;
  readonly prometheus: PrometheusExporter;
  readonly version: string;
  readonly sourceKind: SourceKind;
  influxStats(): ReturnType<InfluxWriter['stats']> | null;
  /** The live capture's counters now, or null (demo, no source). */
  captureStats(): CaptureSample | null;
  /** The plug-ins' health, the workers' included. */
  sensorHealth(): SensorHealth;
  /** The live capture's loss watch, or null before its first sample and without a live capture. */
  readonly captureLoss: CaptureLossWatch | null;
  /** Response actions (quarantines, blocks). */
  readonly responses: ResponseActions;
}
