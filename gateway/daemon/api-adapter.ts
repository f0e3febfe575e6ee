// The daemon seen through the API's one interface (ApiContext): reads from the stores and the live
// tables, writes through the parts that own the state (triage to the alert store and the stream,
// uploads to the policy layer, logs to the edge-log service, tokens to the token store).
import { readFileSync } from 'node:fs';
import { SEVERITIES } from '../alerts/rules.js';
import type { TokenInfo } from '../auth/token-store.js';
import { SYSLOG_SEVERITIES } from '../edge-logs/log-record.js';
import { flowRecord, type FlowRecord } from '../track/flow-record.js';
import { redactFlowRecord } from '../track/privacy.js';
import type { ApiContext, CaptureHealth, HealthView, TokenView } from '../server/api-context.js';
import { ApiError } from '../server/api-errors.js';
import { CheckError } from '../check/check-result.js';
import { checkGateway } from '../check/run-checks.js';
import { LearnError } from '../learn/learn-errors.js';
import type { FlowFilter } from '../store/flow-store.js';
import { deviceCounts, deviceDetail, deviceView, liveFlowsOf } from './device-views.js';
import { explainLive, storedFlowsOf } from '../explain/explain-live.js';
import type { Device } from '../track/device.js';
import type { DaemonParts } from './daemon-parts.js';
import { lossPercent } from './capture-loss.js';
import { actionApi } from './action-api.js';
import { exposureAuditApi } from './exposure-audit-api.js';
import { actorName } from '../server/actor-name.js';

// Field by field: whatever else a stored row may carry at run time never reaches a response.
const tokenView = (t: TokenInfo): TokenView => ({
  id: t.id, role: t.role, vendor: t.vendor, device: t.device, name: t.name, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt,
});

/** Live flows matching a filter (the flow table has no index: fine at API rates, capped by `limit`). */
function liveFlows(g: DaemonParts, f: FlowFilter): FlowRecord[] {
  const out: FlowRecord[] = [];
  const limit = Math.max(1, Math.min(f.limit ?? 100, 1000));
  for (const flow of g.pipeline.flows.liveFlows()) {
    const r = redactFlowRecord(flowRecord(flow), g.cfg.pipeline.privacy);
    if (f.device !== undefined && r.srcMac !== f.device && r.dstMac !== f.device) continue;
    if (f.proto !== undefined && r.proto !== f.proto) continue;
    if (f.host !== undefined && r.src !== f.host && r.dst !== f.host) continue;
    if (f.port !== undefined && r.sport !== f.port && r.dport !== f.port) continue;
    if (f.since !== undefined && r.lastTs < f.since) continue;
    if (f.until !== undefined && r.lastTs >= f.until) continue;
    out.push(r);
  }
  return out.sort((x, y) => (x.lastTs < y.lastTs ? 1 : x.lastTs > y.lastTs ? -1 : 0)).slice(0, limit);
}

/** The live capture's counters now and whether its loss is rising (a live source runs on the wall clock). */
function captureHealth(g: DaemonParts): CaptureHealth | null {
  const s = g.captureStats();
  if (s === null) return null;
  return {
    interface: g.cfg.capture.interface, received: s.received, kernelDropped: s.kernelDropped, ifDropped: s.ifDropped,
    ringDropped: s.ringDropped, ...(s.workerDropped !== undefined ? { workerDropped: s.workerDropped } : {}),
    captured: s.captured, lossPercent: lossPercent(s), lossRising: g.captureLoss?.lossRising(Date.now() * 1000) ?? false,
  };
}

/**
 * Counts per time bucket and category of a table's rows since `since`: the bucket is the time column
 * cut to whole multiples of `bucket` seconds (ISO text → epoch seconds in SQLite). Categories are
 * names (alert severities) or, for edge logs, severity codes named by their index (-1: unknown).
 */
function series(g: DaemonParts, table: string, timeCol: string, catExpr: string, names: readonly string[], since: string, bucket: number): Record<string, number | string>[] {
  g.edgeLogs.store.flush();
  // better-sqlite3 binds JS numbers as REAL: the bucket is cast so the division is an integer one.
  const rows = g.db.prepare(`SELECT (CAST(strftime('%s', ${timeCol}) AS INTEGER) / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS b, ${catExpr} AS c, count(*) AS n
    FROM ${table} WHERE ${timeCol} >= ? GROUP BY b, c ORDER BY b`).all(bucket, bucket, since) as { b: number; c: string | number; n: number }[];
  const out = new Map<number, Record<string, number | string>>();
  for (const r of rows) {
    let o = out.get(r.b);
    if (o === undefined) {
      o = { t: new Date(r.b * 1000).toISOString() };
      for (const nm of names) o[nm] = 0;
      if (typeof r.c === 'number') o.unknown = 0;
      out.set(r.b, o);
    }
    const name = typeof r.c === 'number' ? (names[r.c] ?? 'unknown') : r.c;
    o[name] = ((o[name] as number | undefined) ?? 0) + r.n;
  }
  return [...out.values()];
}

export function daemonApi(g: DaemonParts): ApiContext {
  return {
    server: g.cfg.server,
    auth: { authenticate: (t) => g.tokens.verify(t), limiter: g.limiter },
    audit: g.audit,

    devices() {
      const counts = deviceCounts(g);
      return [...g.pipeline.devices.all()].map((d) => deviceView(g, d, counts)).sort((a, b) => a.mac.localeCompare(b.mac));
    },
    device: (mac) => deviceDetail(g, mac, (m) => g.edgeLogs.logs({ device: m, limit: 50 }).items),

    learnedProfile(mac, opts) {
      if (g.learner === null || !g.learner.has(mac)) return null;
      try {
        return g.learner.profileFor(mac, opts);
      } catch (e) {
        if (e instanceof LearnError && e.code === 'learn.not-learned') return null;
        throw e;
      }
    },
    async check() {
      try {
        return await checkGateway({ lan: g.cfg.capture.interface || undefined, config: g.cfg });
      } catch (e) {
        if (e instanceof CheckError) throw new ApiError('check.unavailable', e.message, [{ path: '', code: e.code, message: e.message }]);
        throw e;
      }
    },
    explain(mac, since, until) {
      let d: Device | undefined;
      for (const x of g.pipeline.devices.all()) if (x.mac === mac) d = x;
      if (d === undefined) return 'no-device';
      if (g.policy.policyOf(d.macNum) === undefined) return 'no-profile';
      const flows = [...storedFlowsOf(g.flowStore, mac, d.ips, { since }), ...liveFlowsOf(g, mac, Number.MAX_SAFE_INTEGER)];
      const r = explainLive(g.policy, flows, {
        macs: [mac], denials: g.denials, dns: g.pipeline.dns,
        window: { fromUs: since ? Date.parse(since) * 1000 : null, toUs: until ? Date.parse(until) * 1000 : null },
      });
      return { window: r.window, span: r.span, ...r.devices[0] };
    },

    alerts: (f) => g.alertStore.query(f),
    alert: (id) => g.alertStore.get(id),
    triage(id, action, by, note = null) {
      const before = g.alertStore.get(id);
      const a = g.alertStore.triage(id, action, actorName(by), new Date(), note);
      // Only a change is streamed (a repeated action changes nothing).
      if (a !== null && before !== null && a.rev !== before.rev) g.stream.publish('alert', { change: a.status, alert: a });
      return a;
    },
    alertCapture(id) {
      const path = g.alertCapture?.pathOf(id) ?? null;
      if (path === null) return null;
      try {
        return readFileSync(path);
      } catch {
        return null;
      }
    },
    alertHistory: (id) => (g.alertStore.get(id) === null ? null : g.alertStore.history(id)),

    incidents: (f) => g.incidents.list(f),
    incident: (id) => g.incidents.get(id),
    setIncidentState: (id, state, note, by) => g.incidents.setState(id, state, actorName(by), note),
    incidentFalsePositive: (id, note, by) => g.incidents.falsePositive(id, actorName(by), note),

    liveFlows: (f) => liveFlows(g, f),
    endedFlows: (f) => g.flowStore.query(f),

    profiles: () => g.uploads.list(),
    profile: (url) => g.uploads.get(url),
    uploadProfile: (input) => g.uploads.upload(input),
    deleteProfile(url) {
      if (g.uploads.get(url) === null) return 'not-found';
      if (!g.uploads.isUpload(url)) return 'readonly';
      return g.uploads.remove(url) ? 'deleted' : 'not-found';
    },

    logs: (f) => g.edgeLogs.logs(f),
    ingestLogs: (body, ip, by) => g.edgeLogs.ingestJson(body, ip, by.device),

    tokens: () => g.tokens.list().map(tokenView),
    createToken(req) {
      const r = g.tokens.create(req);
      return { token: r.token, info: tokenView(r.info) };
    },
    revokeToken(id) {
      const ok = g.tokens.revoke(id);
      // A revoked token's open stream ends now, not at its next reconnect.
      if (ok) g.stream.disconnectToken(id);
      return ok;
    },

    alertSeries: (since, bucket) => series(g, 'alerts', 'first_ts', 'severity', SEVERITIES, since, bucket),
    logSeries: (since, bucket) => series(g, 'edge_logs', 'ts', "coalesce(severity_code, -1)", SYSLOG_SEVERITIES, since, bucket),
    trafficSeries: () => ({ intervalSeconds: g.trafficHistory.intervalSeconds, samples: g.trafficHistory.samples() }),

    health(): HealthView {
      const influx = g.cfg.metrics.influxUrl ? (() => { const s = g.influxStats(); return s === null ? null : { connected: s.connected, buffered: s.buffered, dropped: s.dropped }; })() : null;
      const sensor = g.sensorHealth();
      const capture = captureHealth(g);
      const storage = g.storage.health();
      return {
        status: sensor.status === 'degraded' || capture?.lossRising === true || storage.status !== 'ok' ? 'degraded' : 'ok', sensor, version: g.version, source: g.sourceKind,
        packets: g.pipeline.packets, devices: g.pipeline.devices.size,
        flows: g.pipeline.flows.size, alerts: g.alertStore.count(), streamClients: g.stream.stats().clients,
        syslog: g.edgeLogs.ports(), influx, capture, storage, fleet: g.fleet === null ? null : { ...g.fleet.status(), commands: g.commands?.counts() ?? null },
      };
    },
    async metrics() {
      return { contentType: g.prometheus.contentType, text: await g.prometheus.metrics() };
    },
    ...actionApi(g.responses),
    ...exposureAuditApi(g),

    suppressions: (state, limit) => g.suppressions.list(state, limit),
    suppression: (id) => g.suppressions.get(id),
    createSuppression: (body, by) => g.suppressions.create(body, actorName(by)),
    removeSuppression: (id, by) => g.suppressions.remove(id, actorName(by)),
    suppressedAlerts: (id, limit, before) => g.suppressions.hits(id, limit, before),
  };
}
