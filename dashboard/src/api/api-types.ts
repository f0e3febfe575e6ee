// The shapes the daemon's REST API and WebSocket stream send, as the dashboard reads them (see the
// README, "The daemon: API, stream, edge logs, metrics"). Only the fields the pages use are typed.

export type Role = 'admin' | 'analyst' | 'vendor' | 'device';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved' | 'reopened';
export type Compliance = 'compliant' | 'violating' | 'no-profile' | 'quarantined';

/** GET /api/v1/whoami: the token's public fields. */
export interface WhoAmI {
  tokenId: string;
  role: Role;
  vendor: string | null;
  device: string | null;
  name: string | null;
}

/** An alert as stored, with its sequence number (creation order), activity (feed order) and triage. */
export interface Alert {
  id: string;
  seq?: number;
  /** The feed's order: a store-wide number taken at each new occurrence (higher = more recent activity). */
  activity?: number;
  /** Bumped by every change: of two copies of one alert the higher rev is the newer. */
  rev?: number;
  reopenedAt?: string | null;
  ts: string;
  rule: string;
  /** Community ID v1 of the alert's flow (null: no single flow). */
  communityId?: string | null;
  /** TLS server name and JA4 of the alert's flow, when it is TLS. */
  sni?: string;
  ja4?: string;
  severity: Severity;
  device: string | null;
  src: string;
  dst: string;
  proto: string;
  sport: number | null;
  dport: number | null;
  count: number;
  message: string;
  evidence: Record<string, unknown>;
  firstTs: string;
  lastTs: string;
  status?: AlertStatus;
  acknowledgedBy?: string | null;
  acknowledgedAt?: string | null;
  resolvedBy?: string | null;
  resolvedAt?: string | null;
  /** On a fleet hub: the site that raised it; `id` is then `<site>/<siteAlertId>`, unique across sites. */
  site?: string;
  /** On a fleet hub: the alert's id at its site. */
  siteAlertId?: string;
}

/** One status change of an alert (GET /api/v1/alerts/:id/history). */
export interface StatusChange {
  status: AlertStatus;
  by: string;
  at: string;
  note: string | null;
}

/** GET /api/v1/alerts. `next` is the cursor (`before`, an activity number) of the following page. */
export interface AlertPage {
  items: Alert[];
  total: number;
  next: number | null;
}

export interface DeviceView {
  mac: string;
  ips: string[];
  vendor: string | null;
  hostname: string | null;
  mudUrl: string | null;
  mudUrlSource?: string | null;
  profile: string | null;
  compliance: Compliance;
  openViolations: number;
  alerts: number;
  firstSeen: string;
  lastSeen: string;
  txPackets: number;
  txBytes: number;
  /** The exposure column (absent from a hub's device views). */
  exposure?: ExposureSummary;
}

/** How exposed a device is: its worst finding. */
export type ExposureLevel = 'critical' | 'high' | 'medium' | 'low' | 'info' | 'none';

/** GET /api/v1/devices: a device's exposure column. */
export interface ExposureSummary {
  level: ExposureLevel;
  services: number;
  maintenance: string[];
  internet: boolean;
  defaultCredential: boolean;
}

/** One way the internet reaches a service. */
export type InternetPath = { kind: 'wan-peer'; at: string } | { kind: 'upnp' | 'natpmp' | 'pcp' | 'nft'; externalPort: number; expiresAt: string | null };

/** One audited service's result (never a credential). */
export interface AuditResultView {
  service: string;
  port: number;
  outcome: 'default-accepted' | 'not-accepted' | 'closed' | 'not-offered' | 'error';
  list: string | null;
  tried: number;
  detail: string | null;
}

/** One service a device answers on. */
export interface ExposedService {
  proto: string;
  port: number;
  service: string | null;
  words: string;
  maintenance: boolean;
  firstSeen: string | null;
  lastSeen: string | null;
  lanPeers: number;
  wanPeers: number;
  internet: { reachable: boolean; paths: InternetPath[] };
  credentials: { source: 'passive' | 'audit'; list: string; at: string }[];
  audit: (AuditResultView & { at: string }) | null;
}

/** A finding in words, with what to do. */
export interface ExposureFinding {
  severity: Exclude<ExposureLevel, 'none'>;
  service: string | null;
  port: number | null;
  text: string;
  todo: string[];
}

/** GET /api/v1/devices/:mac exposureDetail. */
export interface DeviceExposure {
  mac: string;
  name: string;
  level: ExposureLevel;
  services: ExposedService[];
  audit: { id: number; at: string; results: AuditResultView[] } | null;
  findings: ExposureFinding[];
}

/** One ACE of a device's profile; `ace` is null for the ACL's implicit deny. */
export interface AceView {
  acl: string;
  ace: string | null;
  direction: string;
  action: string;
  matches: string;
  flows: number;
  bytes: number;
}

/** A MUD verdict on a flow: the ACE that allowed it, or the ACL that denied it (ace = nearest ACE) and why. */
export interface MudVerdict {
  device: string;
  direction: string;
  allowed: boolean;
  acl: string | null;
  ace: string | null;
  reason: string | null;
}

export interface FlowRecord {
  id?: number;
  /** Community ID v1 (absent in records stored before it was added). */
  communityId?: string | null;
  proto: string;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
  srcMac: string | null;
  dstMac: string | null;
  firstTs: string;
  lastTs: string;
  srcPackets: number;
  srcBytes: number;
  dstPackets: number;
  dstBytes: number;
  state: string | null;
  endReason: string | null;
  sni?: string;
  http?: { method: string | null; host: string | null; uri: string | null; userAgent: string | null };
  mud?: MudVerdict[];
}

export interface MudIssue {
  path: string;
  code: string;
  message: string;
}

export interface ProfileInfo {
  mudUrl: string;
  source: 'bundled' | 'uploaded' | 'fetched';
  systeminfo: string | null;
  mfgName: string | null;
  modelName: string | null;
  lastUpdate?: string | null;
  signature: 'signed' | 'unsigned' | 'local';
  signer: string | null;
  uploadedBy: string | null;
  uploadedAt: string | null;
  acls: number;
  aces: number;
  warnings: MudIssue[];
  devices: string[];
}

/** An edge log record, normalized by the daemon. */
export interface LogRecord {
  seq: number;
  /** The receive time: records are dated and ordered by it. */
  ts: string | null;
  receivedAt?: string;
  /** The device's own time for the record, or null when it gave none. */
  deviceTs?: string | null;
  /** The device's time is further from the receive time than edgeLogs.skewThresholdSeconds. */
  clockSkewed?: boolean;
  device: string | null;
  sourceIp: string | null;
  host: string | null;
  app: string | null;
  severity: string | null;
  message: string;
  structuredData: unknown;
  format: string;
  raw: string;
}

export interface DeviceDetail extends DeviceView {
  dhcpFingerprint?: string | null;
  dhcpVendorClass?: string | null;
  ssdpServer?: string | null;
  profileInfo: ProfileInfo | null;
  aces: AceView[];
  flows: { live: FlowRecord[]; ended: FlowRecord[] };
  recentAlerts: Alert[];
  logs: LogRecord[];
  /** Its exposure (absent from a hub's device views). */
  exposureDetail?: DeviceExposure;
}

/** GET /api/v1/stats/alerts and /stats/logs: counts per bucket start `t` (ISO-8601) and severity name. */
export interface CountSeries {
  bucketSeconds: number;
  buckets: ({ t: string } & Record<string, number | string>)[];
}

/** GET /api/v1/stats/traffic: per-interval counters per device; `t` in ms. */
export interface TrafficSeries {
  intervalSeconds: number;
  samples: { t: number; devices: Record<string, { txBytes: number; rxBytes: number; txPackets: number; rxPackets: number }> }[];
}

/** GET /api/v1/health: the live capture's counters since it opened; loss in % of what reached the interface. */
export interface CaptureHealth {
  interface: string;
  received: number;
  kernelDropped: number;
  ifDropped: number;
  ringDropped: number;
  captured: number;
  lossPercent: number;
  /** Drops rose within the last minute (status "degraded"). */
  lossRising: boolean;
}

/** GET /api/v1/health (the fields the dashboard reads). */
export interface Health {
  status: 'ok' | 'degraded';
  sensor: { status: 'ok' | 'degraded'; disabled: string[]; faults: number };
  source: string;
  packets: number;
  capture: CaptureHealth | null;
}

/** One fault of an API error (`path` is a JSON Pointer). */
export interface ErrorDetail {
  path: string;
  code?: string;
  message: string;
}

/** Stream payloads by topic. */
export interface AlertChange {
  change: 'new' | 'updated' | 'acknowledged' | 'resolved';
  alert: Alert;
}
export interface DeviceChange {
  change: string;
  device: DeviceView;
}

export type StreamTopic = 'alert' | 'log' | 'device' | 'incident';

/** One `event` frame of the stream. */
export interface StreamEvent {
  id: number;
  topic: StreamTopic;
  at: string;
  data: unknown;
}

/** A suppression (GET /api/v1/suppressions): a scope of alerts silenced until `expiresAt`, counted. */
export interface Suppression {
  id: string;
  rule: string | null;
  device: string | null;
  /** An address or a network (CIDR) matching the source or destination. */
  peer: string | null;
  /** Matches the source or destination port. */
  port: number | null;
  expiresAt: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  removedBy: string | null;
  removedAt: string | null;
  suppressed: number;
  lastSuppressedAt: string | null;
  state: 'active' | 'expired' | 'removed';
}

/** One silenced alert input (GET /api/v1/suppressions/:id/hits). */
export interface SuppressedAlert {
  seq: number;
  suppression: string;
  rule: string;
  device: string | null;
  src: string;
  dst: string;
  proto: string;
  sport: number | null;
  dport: number | null;
  count: number;
  ts: string;
  message: string;
}
