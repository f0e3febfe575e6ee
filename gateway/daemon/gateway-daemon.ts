// The running gateway: frames from a live interface (libpcap) or the bundled demo, the pipeline,
// the detectors and the MUD policy layer on packet time; alerts, flows, edge logs, tokens and
// uploaded profiles in one SQLite file; the REST API, the WebSocket stream and the dashboard on
// one HTTP server; the syslog receiver; Prometheus and InfluxDB metrics; in enforce mode the
// policies applied to nftables. start() and stop().
import { NftForwardWatch } from '../exposure/nft-forward-watch.js';
import { storeWrite } from '../store/storage-guard.js';
import { ExposureStore } from '../exposure/exposure-store.js';
import type { AuditJobs } from '../exposure/audit/audit-jobs.js';
import { exposureAuditJobs } from './exposure-audit-api.js';
import type { ExposureTracker } from '../exposure/exposure-tracker.js';
import { databasePath } from '../config/daemon-config.js';
import { DecodeCounters } from '../common/events.js';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MudFetcher, parseMud } from '../../policies/index.js';
import { AlertManager } from '../alerts/alert-manager.js';
import { AlertStore } from '../alerts/alert-store.js';
import { Suppressions } from '../alerts/suppressions.js';
import { EveWriter } from '../alerts/eve-writer.js';
import { AuditStore } from '../audit/audit-store.js';
import { AuthLimiter } from '../auth/auth-limiter.js';
import { TokenStore } from '../auth/token-store.js';
import { openCapture } from '../capture/open-capture.js';
import type { FrameSink } from '../capture/frame-source.js';
import type { GatewayConfig } from '../config/load-config.js';
import { parseMac } from '../common/address-text.js';
import { DEMO_GATEWAY_ADDRESSES } from '../demo/demo-network.js';
import type { IntelDetector } from '../detect/detectors/intel-blocklist.js';
import type { DenialRecorder } from '../explain/denial-recorder.js';
import type { ProfileLearner } from '../learn/profile-learner.js';
import { NftEnforcer } from '../enforce/nft-enforcer.js';
import { EventCounters } from '../metrics/event-counters.js';
import { InfluxWriter } from '../metrics/influx-writer.js';
import { MetricsReporter, METRIC_SCHEMAS } from '../metrics/metrics-reporter.js';
import { createPrometheus, type PrometheusExporter } from '../metrics/prometheus.js';
import { TrafficHistory } from '../metrics/traffic-history.js';
import type { TrafficMeter } from '../metrics/traffic-meter.js';
import { flowRecord } from '../track/flow-record.js';
import { redactFlowRecord } from '../track/privacy.js';
import type { Pipeline } from '../sensor/packet-pipeline.js';
import type { PluginFactory } from '../sensor/plugin.js';
import { buildSensor, type Sensor, type SensorHealth } from '../sensor/sensor.js';
import { standardPlugins } from '../plugins/standard-plugins.js';
import { DETECTORS } from '../detect/registry.js';
import { MAIN_THREAD_DETECTORS, SensorWorkerPool } from '../workers/worker-pool.js';
import type { MudPolicy, Enforcement, ProfileFetcher } from '../policy/mud-policy.js';
import { ProfileStore } from '../policy/profile-store.js';
import { ProfileUploads } from '../policy/profile-uploads.js';
import { MudTrust } from '../policy/mud-trust.js';
import { TrustedSigners } from '../policy/trusted-signers.js';
import { demoTrustedSigners } from '../demo/demo-vendor-pki.js';
import { createApp } from '../server/app.js';
import { StreamServer } from '../server/stream-server.js';
import { openDatabase, type Db } from '../store/database.js';
import { FlowStore } from '../store/flow-store.js';
import { DeviceStore } from '../store/device-store.js';
import { StreamJournal } from '../store/stream-journal.js';
import { guardStorage, StorageGuard } from '../store/storage-guard.js';
import { RetentionPruner } from '../store/retention.js';
import { daemonApi } from './api-adapter.js';
import type { DaemonParts } from './daemon-parts.js';
import { deviceView } from './device-views.js';
import type { EventLog } from '../common/event-log.js';
import { EdgeLogService } from '../edge-logs/edge-log-service.js';
import { deviceName } from '../alerts/device-name.js';
import { DemoSyslog } from '../demo/demo-syslog.js';
import { IncidentCorrelator } from '../incidents/incident-correlator.js';
import { eveIncidentRecord } from '../incidents/incident-eve.js';
import { IncidentStore } from '../incidents/incident-store.js';
import { packageRoot, packageVersion } from '../common/package-root.js';
import { startSource, type RunningSource, type SourceKind } from './frame-sources.js';
import { CaptureLossWatch, lossPercent, type CaptureSample } from './capture-loss.js';
import { AlertCapture } from './alert-capture.js';
import { DevicePersistence } from './device-persistence.js';
import { Outbox } from '../fleet/outbox.js';
import { FleetLink } from '../fleet/fleet-link.js';
import { CommandListener } from '../fleet/command-listener.js';
import { readCommandKeys } from '../fleet/command-signature.js';
import { DomainBlocks } from '../fleet/command-domains.js';
import { streamRecord } from '../fleet/stream-records.js';
import { trafficRecordId, trafficSummaryPlugin } from '../fleet/traffic-summary.js';
import { hostAddresses } from '../response/protected-addresses.js';
import { ResponseActions } from '../response/response-actions.js';

/** Alerts sent to the fleet again at each start (the last changed; see the constructor). */
const RESEND_ALERTS_AT_START = 100;
/** Options beyond the config. */
export interface DaemonOptions {
  /** Where frames come from; default: the live interface if configured, else the demo if enabled, else none. */
  source?: SourceKind;
  /** Wall clock of suppression expiry, ms since the epoch (tests pass a fake one). Default Date.now. */
  now?: () => number;
}

export class GatewayDaemon implements DaemonParts {
  readonly pipeline: Pipeline;
  readonly alerts: AlertManager;
  /** The one sensor: pipeline, plug-in bus with its fault boundary, alert manager. */
  readonly sensor: Sensor;
  readonly policy: MudPolicy;
  /** Why each denied flow was denied, recorded when it was judged (for the explainer). */
  readonly denials: DenialRecorder;
  /** The learner of the devices in policy.learn, or null. */
  readonly learner: ProfileLearner | null;
  readonly db: Db;
  readonly alertStore: AlertStore;
  /** Suppression rules: the alert manager's suppressor, their counts and silenced inputs. */
  readonly suppressions: Suppressions;
  readonly flowStore: FlowStore;
  /** The device inventory as kept across restarts. */
  readonly deviceStore: DeviceStore;
  readonly journal: StreamJournal;
  /** Counts what a full disk kept out of SQLite and the EVE file; the stores write through it. */
  readonly storage: StorageGuard;
  /** Bounds every table by age and rows (storage.retention), from housekeeping. */
  readonly retention: RetentionPruner;
  readonly tokens: TokenStore;
  readonly limiter: AuthLimiter;
  /** The audit log: one row per API write (made by the app) and per CLI write. Retention prunes it. */
  readonly audit: AuditStore;
  readonly profiles: ProfileStore;
  readonly uploads: ProfileUploads;
  /** Response actions: quarantined devices and blocked peers, kept in SQLite, enforced in enforce mode. */
  readonly responses: ResponseActions;
  /** Whom MUD signatures must chain to: fetch.trustAnchors, `edgeward trust add` signers, the demo vendor CA in the demo. */
  readonly trust: MudTrust;
  readonly stream: StreamServer;
  readonly edgeLogs: EdgeLogService;
  /** Groups the alerts of one episode into incidents (gateway/incidents/), kept in SQLite. */
  readonly incidents: IncidentCorrelator;
  /** Records for the SOC waiting for their PubAck (table fleet_outbox), or null when fleet is off. */
  readonly outbox: Outbox | null;
  /** The link that drains the outbox into NATS JetStream, or null when fleet is off. */
  readonly fleet: FleetLink | null;
  /** Checks, applies and acks the hub's commands on `edgeward.<site>.control`, or null when fleet is off. */
  readonly commands: CommandListener | null;
  readonly meter: TrafficMeter;
  readonly exposure: ExposureTracker;
  readonly exposureStore: ExposureStore;
  readonly exposureAudits: AuditJobs;
  /** Reads the gateway's port forwards into the exposure inventory (live capture only), or null. */
  private nftForwards: NftForwardWatch | null = null;
  readonly counters = new EventCounters();
  /** Every named event of this gateway (decode, stream, table caps, plug-in faults), one counter array. */
  readonly events = new DecodeCounters();
  /** Per-device traffic of the last hour, sampled every 10 s, for the dashboard's chart. */
  readonly trafficHistory = new TrafficHistory(10, 360);
  readonly prometheus: PrometheusExporter;
  readonly root = packageRoot();
  readonly version = packageVersion();
  readonly sourceKind: SourceKind;
  /** Capture on alert (privacy.captureOnAlert), or null when it is off. */
  readonly alertCapture: AlertCapture | null;
  /** Watches the live capture's drop counters (made at its first sample); null without a live capture. */
  captureLoss: CaptureLossWatch | null = null;
  private readonly eve: EveWriter | null;
  private influx: InfluxWriter | null = null;
  private reporter: MetricsReporter | null = null;
  private source: RunningSource | null = null;
  /** The live sensor workers (capture.workers ≥ 1 on a live interface), else null. */
  workerPool: SensorWorkerPool | null = null;
  private http: Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private enforcer: NftEnforcer | null = null;
  private readonly enforcement: Enforcement;
  private started = false;
  private lastTrafficSample = 0;
  /** The inventory in SQLite across restarts. */
  private readonly devicesKept: DevicePersistence;
  /** The API's base URL once listening. */
  url = '';

  constructor(readonly cfg: Readonly<GatewayConfig>, private readonly log: EventLog, opts: DaemonOptions = {}) {
    this.sourceKind = opts.source ?? (cfg.capture.interface ? 'live' : cfg.demo.enabled ? 'demo' : 'none');
    const dataDir = cfg.storage.dataDir;
    this.db = openDatabase(databasePath(cfg.storage));
    // A full disk must not stop capture, detection or the live stream: writes fail counted, not thrown.
    this.storage = guardStorage(this.db, new StorageGuard({ log }));
    this.retention = new RetentionPruner(this.db, cfg.storage.retention, { activeWindowSeconds: cfg.alerts.dedupWindowSeconds, log });
    this.alertStore = new AlertStore(this.db);
    this.flowStore = new FlowStore(this.db, cfg.storage.flowsKept);
    this.deviceStore = new DeviceStore(this.db);
    this.exposureStore = new ExposureStore(this.db);
    this.exposureAudits = exposureAuditJobs(this);
    this.journal = new StreamJournal(this.db, { retain: cfg.storage.streamKept });
    this.tokens = new TokenStore(this.db);
    this.audit = new AuditStore(this.db);
    this.limiter = new AuthLimiter({ maxFailures: cfg.server.authFailures, maxSourceFailures: cfg.server.authSourceFailures, windowMs: cfg.server.authWindowSeconds * 1000, blockMs: cfg.server.authBlockSeconds * 1000 }, this.events);
    this.eve = cfg.storage.eve ? new EveWriter(cfg.storage.eve) : null;
    // A daemon runs for months: its alerts are read back from SQLite, not kept in memory; after a
    // restart it continues the stored ones (resume) instead of raising copies.
    this.alerts = new AlertManager(cfg.alerts, this.alertStore, false, this.events, true);
    this.suppressions = new Suppressions(this.db, {
      config: cfg.suppressions, now: opts.now, counters: this.events,
      onWriteError: (e) => log(e === null ? 'suppressions.write-resumed' : 'suppressions.write-failed', e === null ? {} : { error: e.message }),
    });
    this.alerts.setSuppressor(this.suppressions.suppressor);
    // fleet: every stream event (alert, incident, device, log) is also a record for the SOC, put in
    // the outbox in the same synchronous call; the link sends it when NATS is there.
    this.outbox = cfg.fleet.enabled ? new Outbox(this.db, { maxRecords: cfg.fleet.outboxMaxRecords, counters: this.events }) : null;
    this.fleet = this.outbox === null ? null : new FleetLink({ config: cfg.fleet, outbox: this.outbox, log, onConnection: (nc) => this.commands?.attach(nc) });
    const outbox = this.outbox;
    // An alert is written, then its outbox row: a kill -9 between the two would lose that record. So
    // at start the alerts changed last go to the outbox again; those sent before are duplicates that
    // JetStream (by Nats-Msg-Id) and the hub (by record id) drop.
    if (outbox !== null) {
      for (const a of this.alertStore.recentlyChanged(RESEND_ALERTS_AT_START)) {
        const r = streamRecord('alert', { alert: a });
        if (r !== null) outbox.addText(r.kind, r.id, r.body);
      }
    }
    this.stream = new StreamServer({
      onPublish: outbox === null ? undefined : (topic, data) => { const r = streamRecord(topic, data); if (r !== null) outbox.addText(r.kind, r.id, r.body); },
      journal: this.journal, authenticate: (t) => this.tokens.verify(t), limiter: this.limiter, log,
      // A token revoked from the CLI (another process) ends its open stream at the next check.
      tokenActive: (id) => this.tokens.get(id)?.revokedAt === null,
      heartbeatMs: cfg.server.heartbeatSeconds * 1000, maxBufferedBytes: cfg.server.streamMaxBufferedBytes,
    });
    this.alertCapture = cfg.pipeline.privacy.captureOnAlert
      ? new AlertCapture(join(dataDir, 'alert-captures'), cfg.pipeline.privacy.captureOnAlertFiles, log, () => this.pipeline.pv) : null;
    this.alerts.addListener((a, isNew, reopened) => {
      if (isNew) {
        this.alertCapture?.onNewAlert(a);
        if (this.eve !== null) this.storage.write('eve', () => this.eve!.write(a));
        this.counters.countAlert(a.rule, a.severity);
        log('alert', { alert: a });
      }
      const stored = this.alertStore.get(a.id);
      this.stream.publish('alert', { change: isNew ? 'new' : reopened === true ? 'reopened' : 'updated', alert: stored ?? a });
    });
    // After the alert's own listener: a client hears of the alert before the incident it joined.
    this.incidents = new IncidentCorrelator(cfg.incidents, {
      store: new IncidentStore(this.db),
      resolveDevice: (ip) => this.deviceByAddress(ip),
      nameOf: (mac) => deviceName(mac, this.pipeline.devices.get(parseMac(mac))),
      publish: (change, incident) => this.stream.publish('incident', { change, incident }),
      record: (change, incident) => { if (this.eve !== null) this.storage.write('eve', () => this.eve!.writeRecord(eveIncidentRecord(incident, change))); },
      actions: (id) => this.responses.list({ incident: id, limit: 1000 }),
      counters: this.events, log,
    });
    this.alerts.addListener((a, isNew) => this.incidents.onAlert(a, isNew));

    this.profiles = new ProfileStore();
    const profilesDir = cfg.policy.profilesDir || (this.sourceKind === 'demo' ? join(this.root, 'policies', 'profiles') : '');
    if (profilesDir) {
      try {
        this.profiles.loadDir(profilesDir);
      } catch (e) {
        log('profile.dir-unreadable', { dir: profilesDir, error: (e as Error).message });
      }
    }
    for (const [mac, file] of Object.entries(cfg.policy.bindings)) {
      try {
        this.profiles.bind(mac, file);
      } catch (e) {
        log('profile.refused', { mac, file, error: (e as Error).message });
      }
    }
    for (const r of this.profiles.refused) log('profile.refused', { file: r.file, errors: r.errors });
    // Enforcement goes through a forwarder so the enforcer can be loaded (and nft found) at start().
    this.enforcement = {
      apply: async (policies, quarantined) => {
        if (this.enforcer === null) return;
        await this.enforcer.apply(policies, quarantined);
        log('enforce.applied', { devices: policies.length, quarantined: quarantined.length });
      },
      addDeviceAddress: (mac, family, address) => this.enforcer?.addDeviceAddress(mac, family, address),
      addDnsAddress: (name, family, address, ttl) => this.enforcer?.addDnsAddress(name, family, address, ttl),
    };
    const policyCfg = this.sourceKind === 'demo' ? demoPolicy(cfg) : cfg.policy;
    // The demo's vendor CA is trusted for the demo's MUD domain only while the demo runs (its keys are public).
    this.trust = new MudTrust(cfg.fetch.trustAnchors.map((p) => readFileSync(p, 'utf8')), new TrustedSigners(this.db),
      this.sourceKind === 'demo' ? demoTrustedSigners(this.root) : []);
    // Profiles arrive at run time too (uploads, fetches): the daemon's policy runs even with none yet.
    // With live workers the detectors run there; this thread keeps those whose state spans devices.
    const pooled = this.sourceKind === 'live' && cfg.capture.workers > 0;
    this.sensor = buildSensor({
      config: cfg.pipeline, alerts: this.alerts, log, counters: this.events,
      plugins: standardPlugins({
        detectors: pooled ? DETECTORS.filter((d) => MAIN_THREAD_DETECTORS.includes(d.name)) : undefined,
        detect: cfg.detect, maxMeteredDevices: cfg.metrics.maxMeteredDevices, log,
        exposure: { maxServices: cfg.exposure.maxServices, maxMappings: cfg.exposure.maxMappings },
        policy: { config: policyCfg, store: this.profiles, enforcement: cfg.policy.mode === 'enforce' ? this.enforcement : null, fetcher: this.fetcher() },
        learn: { devices: cfg.policy.learn, policy: policyCfg },
      }).concat(this.outbox === null ? [] : [this.trafficSummary(this.outbox)]),
    });
    this.pipeline = this.sensor.pipeline;
    this.devicesKept = new DevicePersistence(this.deviceStore, this.pipeline.devices, this.storage, dataDir, log);
    // config privacy: a withheld field (SNI, HTTP URL, user agent) is blanked before the flow is stored.
    this.pipeline.flows.addListener({ onFlowEnd: (f) => this.flowStore.add(redactFlowRecord(flowRecord(f), cfg.pipeline.privacy)) });
    this.policy = this.sensor.plugin<MudPolicy>('mudPolicy')!;
    this.denials = this.sensor.plugin<DenialRecorder>('denialRecorder')!;
    this.learner = this.sensor.plugin<ProfileLearner>('profileLearner') ?? null;
    this.meter = this.sensor.plugin<TrafficMeter>('trafficMeter')!;
    this.exposure = this.sensor.plugin<ExposureTracker>('exposureTracker')!;
    this.responses = new ResponseActions(this.db, {
      emergency: cfg.policy.emergency, gatewayAddresses: [...policyCfg.gatewayAddresses, ...hostAddresses()],
      deviceAddresses: (mac) => this.pipeline.devices.get(parseMac(mac))?.ips ?? [],
      enforcement: {
        holdDevice: (mac, on) => this.policy.hold(mac, on),
        blockPeers: (peers) => this.enforcer === null ? Promise.resolve(false) : this.enforcer.setBlockedPeers(peers).then(() => true, (e: unknown) => {
          log('enforce.error', { error: (e as Error).message });
          return false;
        }),
      },
      log,
    });
    // fleet commands go through the same response actions as the API's (emergency addresses refused there).
    // A domain is blocked by blocking the addresses the DNS answers seen here give for it.
    const domains = this.outbox === null ? null : new DomainBlocks({ db: this.db, responses: this.responses, log });
    if (domains !== null) this.pipeline.dns.addListener((name, addr, family) => domains.onDnsAnswer(name, addr, family));
    this.commands = this.outbox === null ? null : new CommandListener({
      site: cfg.fleet.site, keys: readCommandKeys(cfg.fleet.commandKeys, []), db: this.db, outbox: this.outbox,
      responses: this.responses, domains: domains ?? undefined, log, counters: this.events,
    });
    this.uploads = new ProfileUploads(this.db, this.profiles, this.policy, this.trust,
      (url) => [...this.pipeline.devices.all()].filter((d) => d.profile === url).map((d) => d.mac));

    this.pipeline.devices.addListener({
      onDeviceNew: (d) => {
        if (this.pipeline.devices.restoring) return;
        log('device.new', { mac: d.mac, vendor: d.vendor });
        this.devicesKept.added(d);
        this.publishDevice('new', d.macNum);
      },
      onDeviceChange: (d, field) => {
        if (field === 'mudUrl') log('device.mud-url', { mac: d.mac, mudUrl: d.mudUrl, source: d.mudUrlSource });
        this.devicesKept.changed(d, field);
        this.publishDevice(field, d.macNum);
      },
    });
    this.edgeLogs = new EdgeLogService(this.db, cfg.edgeLogs, {
      resolveDevice: (ip) => this.deviceByAddress(ip),
      raise: (a) => this.alerts.raise(a), counters: this.events,
      publish: (r) => { this.counters.countLog(r.severity ?? 'unknown'); this.stream.publish('log', r); this.incidents.onLog(r); },
      log,
    });
    this.prometheus = createPrometheus({
      packets: () => this.pipeline.packets,
      bytes: () => this.pipeline.bytes,
      decodeErrors: () => this.pipeline.decodeErrors,
      flowsActive: () => this.pipeline.flows.size,
      devices: () => this.pipeline.devices.size,
      deviceTraffic: () => this.meter.snapshot(),
      alertCounts: () => this.counters.alertCounts(),
      logCounts: () => this.counters.logCounts(),
      edgeLogsDropped: () => this.edgeLogs.dropped(),
      edgeLogsClockSkewed: () => this.edgeLogs.ingest.stats().clockSkewed,
      influx: () => this.influx?.stats() ?? null,
      streamClients: () => this.stream.stats().clients,
      plugins: () => this.sensor.costs(),
      events: () => this.pipeline.decodeCounters.toJSON(),
      capture: () => { const s = this.captureStats(); return s === null ? null : { interface: cfg.capture.interface, stats: s }; },
      storageFailures: () => this.storage.failures(),
      suppressed: () => this.suppressions.counts(),
      fleet: () => this.fleet?.status() ?? null,
    });
  }

  /**
   * fleet: the per-minute traffic summary (record kind `traffic`), put in the outbox at each
   * minute's close (packet time). With capture.workers too this thread's sensor sees every frame.
   */
  private trafficSummary(outbox: Outbox): PluginFactory {
    return trafficSummaryPlugin({
      privacy: this.cfg.pipeline.privacy,
      onSummary: (s) => { outbox.add('traffic', trafficRecordId(s), s); },
      gateway: () => {
        const cs = this.captureStats();
        return { version: this.version, outboxDepth: outbox.depth, health: this.sensorHealth().status === 'ok' ? 'ok' : 'degraded', captureLossPercent: cs === null ? null : lossPercent(cs) };
      },
    });
  }

  /** The plug-ins' health: this thread's sensor and, with capture.workers, the workers' plug-ins. */
  sensorHealth(): SensorHealth {
    const own = this.sensor.health();
    if (this.workerPool === null) return own;
    const w = this.workerPool.pluginHealth();
    const disabled = [...new Set([...own.disabled, ...w.disabled])];
    return { status: disabled.length > 0 ? 'degraded' : 'ok', disabled, faults: own.faults + w.faults };
  }

  /** The live capture's counters now (with the workers' ring drops), or null (demo, no source, not started). */
  captureStats(): CaptureSample | null {
    const s = this.source?.captureStats() ?? null;
    return s === null || this.workerPool === null ? s : { ...s, workerDropped: this.workerPool.dropped };
  }

  /** The InfluxDB writer's counters, or null when InfluxDB is off. */
  influxStats(): ReturnType<InfluxWriter['stats']> | null {
    return this.influx?.stats() ?? null;
  }

  /** The device (MAC) that holds `ip` now, for edge logs arriving from that address. */
  deviceByAddress(ip: string): string | null {
    const bare = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
    let found: string | null = null;
    for (const d of this.pipeline.devices.all()) if (d.ips.includes(bare)) found = d.mac;
    return found;
  }

  private publishDevice(change: string, mac: number): void {
    if (!this.started) return;
    const d = this.pipeline.devices.get(mac);
    if (d === undefined) return;
    this.stream.publish('device', { change, device: deviceView(this, d, null) });
  }


  /** The MUD fetcher of the config, or null when fetching is off. */
  private fetcher(): ProfileFetcher | null {
    const f = this.cfg.fetch;
    // The demo's devices announce URLs of a reserved example domain: nothing to fetch.
    if (!f.enabled || this.sourceKind === 'demo') return null;
    if (f.requireSignature && this.trust.empty) {
      // A signed profile cannot be checked without a trust anchor: fetch nothing rather than trust anything.
      this.log('fetch.disabled', { reason: 'fetch.requireSignature is on and nothing is trusted (fetch.trustAnchors is empty, no edgeward trust add)' });
      return null;
    }
    const read = (p: string) => readFileSync(p, 'utf8');
    return new MudFetcher({
      cacheDir: f.cacheDir || join(this.cfg.storage.dataDir, 'mud-cache'),
      extraCa: f.extraCa ? read(f.extraCa) : undefined,
      trustAnchors: f.trustAnchors.map(read),
      // Also the signers trusted for one vendor domain (edgeward trust add), read at each check.
      verify: (content, signature, url, at) => this.trust.verify(content, signature, url, at),
      requireSignature: f.requireSignature,
      timeoutMs: f.timeoutMs,
      accept: (content) => {
        const r = parseMud(content.toString('utf8'));
        return r.ok ? { ok: true, cacheValidityHours: r.profile.cacheValidity, signatureUrl: r.profile.mudSignature } : { ok: false, reason: r.errors.map((e) => `${e.path}: ${e.message}`).join('; ') };
      },
    });
  }

  /**
   * Starts everything: the enforcer (enforce mode), the restored state, the HTTP server (API,
   * stream, dashboard), the syslog receiver, metrics, and last the frame source.
   */
  async start(): Promise<void> {
    const c = this.cfg;
    if (c.policy.mode === 'enforce') {
      this.enforcer = new NftEnforcer({
        failMode: c.enforce.failMode, aliveTimeoutSeconds: c.enforce.aliveTimeoutSeconds, heartbeatSeconds: c.enforce.heartbeatSeconds,
        emergency: c.policy.emergency, gatewayAddresses: c.policy.gatewayAddresses,
        onError: (e: Error) => this.log('enforce.error', { error: e.message }),
      });
    }
    // Response actions hold again before the first table goes in: no gap for a blocked peer.
    const actions = await this.responses.restore();
    if (actions > 0) this.log('actions.restored', { actions });
    if (this.enforcer !== null) {
      // The table is replaced in one transaction, then refilled as devices bind.
      const held = this.policy.enforcementState();
      await this.enforcement.apply(held.policies, held.quarantined);
      this.enforcer.start();
    }
    const restored = this.devicesKept.restore(this.cfg.pipeline.devices.maxDevices);
    if (restored > 0) this.log('state.restored', { devices: restored });
    this.exposure.restore(this.exposureStore.services(), this.exposureStore.mappings());
    // The gateway's own port forwards: only where it is the router (a live capture), not for a demo or a file.
    if (this.sourceKind === 'live' && this.cfg.exposure.nftForwards) {
      this.nftForwards = new NftForwardWatch({
        store: this.exposureStore, log: this.log, intervalMs: this.cfg.exposure.nftRefreshSeconds * 1000,
        // The gateway captures on its LAN side: a dnat taking only that side's packets is a local redirect.
        lanInterfaces: [this.cfg.capture.interface],
        macOf: (ip) => this.pipeline.devices.withAddress(ip)?.mac ?? null,
      });
      this.nftForwards.start();
    }
    const uploads = this.uploads.restore();
    if (uploads > 0) this.log('profiles.restored', { uploads });
    this.started = true;

    const app = createApp(daemonApi(this), {
      dashboardDir: c.server.dashboardDir || join(this.root, 'dashboard', 'dist'), version: this.version, log: this.log,
    });
    this.http = createServer(app);
    this.stream.attach(this.http);
    await new Promise<void>((resolve, reject) => {
      this.http!.once('error', reject);
      this.http!.listen(c.server.port, c.server.host, () => { this.http!.off('error', reject); resolve(); });
    });
    const addr = this.http.address() as AddressInfo;
    this.url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;

    await this.edgeLogs.start();
    this.fleet?.start();
    if (c.metrics.influxUrl) {
      this.influx = new InfluxWriter(c.metrics, { log: this.log, schema: METRIC_SCHEMAS });
      this.reporter = new MetricsReporter(this.meter, this.counters, this.influx, c.metrics.reportIntervalSeconds);
      this.reporter.start();
    }
    this.timer = setInterval(() => this.housekeeping(), 1000);
    let sink = this.frameSink;
    if (this.sourceKind === 'live' && c.capture.workers > 0) {
      const pool = new SensorWorkerPool({
        workers: c.capture.workers, ringBytes: c.capture.ringSize, config: c.pipeline, detect: c.detect, alertsConfig: c.alerts, alerts: this.alerts, log: this.log,
      });
      this.workerPool = pool;
      const main = this.frameSink;
      sink = (buf, off, capLen, origLen, ts, linkType, ifIndex) => {
        main(buf, off, capLen, origLen, ts, linkType, ifIndex);
        pool.sink(buf, off, capLen, origLen, ts, linkType, ifIndex);
      };
    }
    // The camera's syslog lines belong to the generated demo network, not to a demo.capture of one's own.
    if (this.sourceKind === 'demo' && c.demo.capture === '') sink = this.demoSyslog(sink);
    this.source = await startSource(this.sourceKind, c, sink, this.log);
    this.log('started', {
      url: this.url, source: this.sourceKind, interface: c.capture.interface || null, mode: c.policy.mode, failMode: c.enforce.failMode,
      plugins: this.sensor.pluginNames, profiles: this.profiles.size, syslog: this.edgeLogs.ports(), influx: c.metrics.influxUrl !== '',
    });
  }

  /** Saves what the exposure tracker changed (a full disk drops it with a count, as for every table). */
  private saveExposure(): void {
    const d = this.exposure.drain();
    if (d.services.length === 0 && d.mappings.length === 0 && d.removed.length === 0) return;
    storeWrite(this.db, 'exposure', () => {
      this.exposureStore.putServices(d.services);
      for (const m of d.mappings) this.exposureStore.putMapping(m);
      for (const k of d.removed) this.exposureStore.removeMapping(k);
    }, d.services.length + d.mappings.length + d.removed.length);
  }

  /** Once a second: time-outs on the source's packet clock (so a quiet link still closes flows and windows), pending writes. */
  private housekeeping(): void {
    if (this.source !== null) {
      const now = this.source.clockUs();
      this.pipeline.flows.expire(now);
      this.sensor.tick(now);
      const cs = this.captureStats();
      if (cs !== null) (this.captureLoss ??= new CaptureLossWatch({ interface: this.cfg.capture.interface, alerts: this.alerts, log: this.log })).check(cs, now);
    }
    this.alerts.flush();
    this.incidents.flush();
    this.suppressions.flush();
    this.flowStore.flush();
    this.devicesKept.save();
    this.saveExposure();
    this.retention.tick();
    const ms = Date.now();
    if (ms - this.lastTrafficSample >= this.trafficHistory.intervalSeconds * 1000) {
      this.lastTrafficSample = ms;
      this.trafficHistory.sample(this.meter.snapshot(), ms);
    }
  }

  /**
   * Runs a capture file through the pipeline now, at full speed, with its own packet times (tests
   * and `edgeward start` without a source use it to put known traffic in front of the API).
   * `demoSyslog`: the file is the demo capture, and its camera's syslog lines come with it as they
   * do in the running demo.
   */
  /** The sensor's sink, with the frame at hand for captureOnAlert when that is on. */
  private get frameSink(): FrameSink {
    return this.alertCapture?.wrap(this.sensor.sink) ?? this.sensor.sink;
  }

  async ingestCapture(path: string, opts: { demoSyslog?: boolean } = {}): Promise<void> {
    const src = openCapture(path);
    await src.run(opts.demoSyslog === true ? this.demoSyslog(this.frameSink) : this.frameSink);
    this.alerts.flush();
    this.incidents.flush();
    this.flowStore.flush();
  }

  /**
   * The demo camera's syslog lines (demo/demo-syslog.ts) delivered between `sink`'s frames to the
   * edge-log ingest, as the syslog receiver would hand them over: from the camera's address,
   * received at their packet time. Nothing when edge logs are off.
   */
  private demoSyslog(sink: FrameSink): FrameSink {
    if (!this.cfg.edgeLogs.enabled) return sink;
    return new DemoSyslog((line, ip, at) => { this.edgeLogs.ingest.ingestLine(line, ip, 'udp', at); }).tap(sink);
  }

  /** SIGHUP: re-reads the intel lists now (they are also re-read when their files change). */
  reload(): void {
    const intel = this.sensor.plugin<IntelDetector>('intel');
    const status = intel?.reload() ?? [];
    this.log('reloaded', { intel: status.map((st) => ({ file: st.file, addresses: st.addresses, networks: st.networks, domains: st.domains, invalid: st.invalid, error: st.error })) });
  }

  /** Stops the source, ends the flows, writes what is pending, closes the servers, and leaves nftables as failMode says. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.exposureAudits.stop();
    await this.source?.stop();
    await this.workerPool?.stop();
    this.sensor.finish();
    this.alerts.flush();
    this.incidents.flush();
    this.suppressions.flush();
    this.flowStore.flush();
    this.devicesKept.save(true);
    this.saveExposure();
    this.nftForwards?.stop();
    await this.policy.settled();
    if (this.enforcer) {
      try {
        await this.enforcer.stop();
      } catch (e) {
        this.log('enforce.error', { error: (e as Error).message });
      }
    }
    await this.edgeLogs.stop();
    this.reporter?.stop();
    this.reporter?.report(Date.now());
    await this.influx?.close();
    await this.stream.close();
    if (this.http) {
      this.http.closeAllConnections();
      await new Promise<void>((resolve) => this.http!.close(() => resolve()));
    }
    // After the last flush: what it made is in the outbox; the link stops before the database closes.
    await this.commands?.stop();
    await this.fleet?.stop();
    this.eve?.close();
    const alerts = this.alertStore.count();
    await this.retention.stop();
    // A stopped audit ends within its deadlines; its finished devices' runs are stored before the close.
    await this.exposureAudits.settled();
    this.db.close();
    this.log('stopped', { packets: this.pipeline.packets, alerts });
  }
}

/**
 * The demo's network: its router is the gateway (a device on the LAN like any other, but not one
 * to hold to a profile) and its DNS and NTP server.
 */
function demoPolicy(cfg: Readonly<GatewayConfig>): GatewayConfig['policy'] {
  if (cfg.policy.gatewayAddresses.length > 0) return cfg.policy;
  return Object.freeze({ ...cfg.policy, gatewayAddresses: [...DEMO_GATEWAY_ADDRESSES] });
}
