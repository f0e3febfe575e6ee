// What the REST routes need from the running gateway, as one interface: the daemon implements it,
// and the routes never reach into the pipeline, the policy layer or the stores beyond it.
import type { DeviceExposure, ExposureSummary } from '../exposure/exposure-view.js';
import type { AuditJob } from '../exposure/audit/audit-jobs.js';
import type { StoredAuditRun } from '../exposure/exposure-store.js';
import type { AlertStatus, AlertFilter, AlertPage, StatusChange, StoredAlert, TriageAction } from '../alerts/alert-store.js';
import type { AuditLog } from '../audit/audit-store.js';
import type { AuthDeps } from '../auth/request-auth.js';
import type { Role } from '../auth/roles.js';
import type { TokenInfo } from '../auth/token-store.js';
import type { ServerConfig } from '../config/daemon-config.js';
import type { EdgeLogFilter } from '../edge-logs/edge-log-service.js';
import type { FlowRecord } from '../track/flow-record.js';
import type { ProfileInfo, UploadInput, UploadResult } from '../policy/profile-uploads.js';
import type { FlowFilter, StoredFlow } from '../store/flow-store.js';
import type { TrafficSample } from '../metrics/traffic-history.js';
import type { StorageHealth } from '../store/storage-guard.js';
import type { FleetStatus } from '../fleet/fleet-link.js';
import type { CommandCounts } from '../fleet/command-listener.js';
import type { SensorHealth } from '../sensor/sensor.js';
import type { ErrorDetail } from './api-errors.js';
import type { ActionFilter, ResponseAction } from '../response/action-store.js';
import type { ActionRequest } from '../response/response-actions.js';
import type { Suppression, SuppressionState } from '../alerts/suppression.js';
import type { CreateSuppressionResult, SuppressedPage } from '../alerts/suppressions.js';
import type { Incident, IncidentFilter, IncidentPage, IncidentState, SuggestedSuppression } from '../incidents/incident.js';

/** Who is calling: the token's public fields (never the token or its hash). */
export interface AuthInfo {
  tokenId: string;
  role: Role;
  /** Vendor tokens: the manufacturer domain. */
  vendor: string | null;
  /** Device tokens: the MAC the token speaks for, if bound to one. */
  device: string | null;
  name: string | null;
}

/** Compliance of a device with its MUD profile (DESIGN: the inventory's states). */
export type Compliance = 'compliant' | 'violating' | 'no-profile' | 'quarantined';

/** A device as the inventory lists it. */
export interface DeviceView {
  mac: string;
  ips: string[];
  vendor: string | null;
  hostname: string | null;
  mudUrl: string | null;
  mudUrlSource: string | null;
  profile: string | null;
  compliance: Compliance;
  /** Unresolved mud.violation alerts. */
  openViolations: number;
  alerts: number;
  firstSeen: string;
  lastSeen: string;
  txPackets: number;
  txBytes: number;
  /** Services it answers on, the maintenance ones, internet reachability, default credentials (gateway/exposure/). */
  exposure: ExposureSummary;
}

/** One ACE of the device's profile, for the detail view. */
export interface AceView {
  acl: string;
  /** Null for the ACL's implicit deny at its end. */
  ace: string | null;
  direction: 'from-device' | 'to-device';
  action: string;
  /** The ACE in words. */
  matches: string;
  /** Flows it allowed (denied, for the implicit deny) since the profile was bound, and their bytes. */
  flows: number;
  bytes: number;
}

/** A device with its profile and what it did. */
export interface DeviceDetail extends DeviceView {
  dhcpFingerprint: string | null;
  dhcpVendorClass: string | null;
  ssdpServer: string | null;
  profileInfo: ProfileInfo | null;
  aces: AceView[];
  /** Its exposure: each service, how the internet reaches it, default credentials, the latest audit, findings in words. */
  exposureDetail: DeviceExposure;
  flows: { live: FlowRecord[]; ended: StoredFlow[] };
  recentAlerts: StoredAlert[];
  logs: unknown[];
}

/** Filters of the edge-log listing (the edge-log service's own). */
export type LogFilter = EdgeLogFilter;

/** A token as listed: the token store's TokenInfo, which has no secret. */
export type TokenView = TokenInfo;

/**
 * The live capture in GET /api/v1/health: counters since the capture opened (libpcap's pcap_stats
 * and the capture ring), and the loss as a % of the packets that reached the interface.
 */
export type CaptureHealth = {
  interface: string;
  /** Packets the kernel saw (ps_recv). */
  received: number;
  /** Dropped with the kernel's capture buffer full (ps_drop). */
  kernelDropped: number;
  /** Dropped by the interface or its driver (ps_ifdrop). */
  ifDropped: number;
  /** Dropped with the capture thread's ring full. */
  ringDropped: number;
  /** With capture.workers: dropped with a worker's ring full. */
  workerDropped?: number;
  /** Frames handed to the sensor. */
  captured: number;
  /** Lost (kernel + interface + rings) as a % of received + ifDropped, two decimals. */
  lossPercent: number;
  /** The drops rose within the last minute (the status is then "degraded"). */
  lossRising: boolean;
};

/** GET /api/v1/health. A type alias, so it is a Record<string, unknown> as `health()` promises. */
export type HealthView = {
  /** "degraded" while a plug-in is switched off or the capture is losing packets. */
  status: 'ok' | 'degraded';
  sensor: SensorHealth;
  version: string;
  source: string;
  packets: number;
  devices: number;
  flows: number;
  alerts: number;
  streamClients: number;
  syslog: { udp: number | null; tcp: number | null };
  influx: { connected: boolean; buffered: number; dropped: number } | null;
  /** The live capture, or null (demo, no source). */
  capture: CaptureHealth | null;
  /** Writes to SQLite and the EVE file: "full" while the disk refuses them (the status is then "degraded"), what was not stored per table. */
  storage: StorageHealth;
  /** The fleet link (connected, outbox depth, dropped, published, last ack, last error), or null when fleet is off. */
  fleet: (FleetStatus & { /** Hub commands answered since start, by status (README "Fleet commands"). */ commands: CommandCounts | null }) | null;
};

export interface ApiContext {
  readonly server: Readonly<ServerConfig>;
  /** Token lookup and the failed-auth limiter (shared with the WebSocket upgrade). */
  readonly auth: AuthDeps;
  /** The audit log: app.ts writes a row for every write request; GET /api/v1/audit reads it. */
  readonly audit: AuditLog;

  devices(): DeviceView[];
  device(mac: string): DeviceDetail | null;
  /** The profile learned so far for a device of policy.learn, or null when it is not learned. */
  learnedProfile(mac: string, opts: { includeRare?: boolean; mudUrl?: string }): { mud: unknown; report: unknown } | null;
  /** The posture checklist, run now (throws ApiError check.unavailable when it cannot run). */
  check(): Promise<unknown>;
  /** The verdict explainer's report for one device, over its stored and live flows in the window. */
  explain(mac: string, since?: string, until?: string): Record<string, unknown> | 'no-device' | 'no-profile';

  alerts(filter: AlertFilter): AlertPage;
  alert(id: string): StoredAlert | null;
  /** Acknowledges or resolves; the change is streamed. Null when there is no such alert. */
  triage(id: string, action: TriageAction, by: AuthInfo, note?: string | null): StoredAlert | null;
  /** The one-packet pcap of the alert's frame (privacy.captureOnAlert), or null when there is none. */
  alertCapture(id: string): Buffer | null;
  /** The alert's status changes, oldest first; null when there is no such alert. */
  alertHistory(id: string): StatusChange[] | null;

  /** Incidents, most recent activity first, without their timelines. */
  incidents(filter: IncidentFilter): IncidentPage;
  /** One incident with its timeline, or null. */
  incident(id: string): Incident | null;
  /** Moves an incident to `state` (who, when and the note are kept; the change is streamed). Null when there is none. */
  setIncidentState(id: string, state: IncidentState, note: string | null, by: AuthInfo): Incident | null;
  /** Closes an incident as a false positive; returns it and the suppressions that would silence its alerts. Null when there is none. */
  incidentFalsePositive(id: string, note: string | null, by: AuthInfo): { incident: Incident; suggestedSuppressions: SuggestedSuppression[] } | null;

  liveFlows(filter: FlowFilter): FlowRecord[];
  endedFlows(filter: FlowFilter): { items: StoredFlow[]; next: number | null };

  profiles(): ProfileInfo[];
  profile(mudUrl: string): { info: ProfileInfo; content: string | null } | null;
  uploadProfile(input: UploadInput): Promise<UploadResult>;
  /** 'readonly' when the profile is not an upload. */
  deleteProfile(mudUrl: string): 'deleted' | 'not-found' | 'readonly';

  logs(filter: LogFilter): { items: unknown[]; next: number | null };
  /** Normalizes, rate-limits and stores records posted by a device. */
  ingestLogs(body: unknown, sourceIp: string, by: AuthInfo): { ok: true; accepted: number; dropped: number } | { ok: false; errors: ErrorDetail[] };

  tokens(): TokenView[];
  /** Throws AuthError (token.bad-vendor, token.bad-device, …) when the request is refused. */
  createToken(req: { role: Role; vendor?: string; device?: string; name?: string }): { token: string; info: TokenView };
  revokeToken(id: string): boolean;

  /** Alert and log counts per bucket (t = bucket start, ISO-8601) and severity, from `since`. */
  alertSeries(since: string, bucketSeconds: number): Record<string, number | string>[];
  logSeries(since: string, bucketSeconds: number): Record<string, number | string>[];
  trafficSeries(): { intervalSeconds: number; samples: TrafficSample[] };

  /** The daemon answers a HealthView. */
  health(): Record<string, unknown>;
  metrics(): Promise<{ contentType: string; text: string }>;

  /** Response actions (quarantines, blocks), newest first. */
  actions(filter: ActionFilter): ResponseAction[];
  action(id: string): ResponseAction | null;
  /**
   * Quarantines a device or blocks a peer (enforced in enforce mode). `created` is false when the
   * same action was already active (it is answered as it is). Throws ApiError request.invalid or
   * action.emergency.
   */
  takeAction(req: ActionRequest, meta: { incident?: string | null; note?: string | null }, by: AuthInfo): Promise<{ action: ResponseAction; created: boolean }>;
  /** Releases an action (a released one is answered as it is). Throws ApiError action.not-found. */
  releaseAction(id: string, by: AuthInfo): Promise<ResponseAction>;

  /** Suppressions newest first, in one state or all, at most `limit`, with their counts up to now. */
  suppressions(state: SuppressionState | undefined, limit: number): Suppression[];
  suppression(id: string): Suppression | null;
  /** Checks a request body and makes the suppression (active at once); the result says why it was refused. */
  createSuppression(body: unknown, by: AuthInfo): CreateSuppressionResult;
  /** Ends a suppression now, recording who; null when there is no such suppression. */
  removeSuppression(id: string, by: AuthInfo): Suppression | null;
  /** The kept silenced inputs of a suppression, newest first; null when there is no such suppression. */
  suppressedAlerts(id: string, limit: number, before?: number): SuppressedPage | null;

  /**
   * Checks and starts an exposure audit of `devices` (canonical MACs; every consenting device when
   * undefined), run in the background. Throws ApiError exposure.no-consent, exposure.not-lan,
   * exposure.own-address, exposure.no-address (nothing sent) or exposure.audit-running.
   */
  startExposureAudit(devices: string[] | undefined, by: AuthInfo): Promise<AuditJob>;
  /** One audit request held by the daemon, or null. */
  exposureAudit(id: string): AuditJob | null;
  /** Kept audit runs, newest first (of one device with `device`), and the requests the daemon holds. */
  exposureAudits(filter: { device?: string; limit?: number }): { items: StoredAuditRun[]; requests: AuditJob[] };
}

export type { AlertStatus };
