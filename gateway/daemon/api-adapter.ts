// The daemon seen through the API's one interface (ApiContext): reads from the stores and the live
// tables, writes through the parts that own the state (triage to the alert store and the stream,
// uploads to the policy layer, logs to the edge-log service, tokens to the token store).
import type { TokenInfo } from '../auth/token-store.js';
import { flowRecord, type FlowRecord } from '../pipeline/flow-record.js';
import type { ApiContext, TokenView } from '../server/api-context.js';
import type { FlowFilter } from '../store/flow-store.js';
import { deviceCounts, deviceDetail, deviceView } from './device-views.js';
import type { GatewayDaemon } from './gateway-daemon.js';

const tokenView = (t: TokenInfo): TokenView => ({
  id: t.id, role: t.role, vendor: t.vendor, device: t.device, name: t.name, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt,
});

/** Live flows matching a filter (the flow table has no index: fine at API rates, capped by `limit`). */
function liveFlows(g: GatewayDaemon, f: FlowFilter): FlowRecord[] {
  const out: FlowRecord[] = [];
  const limit = Math.max(1, Math.min(f.limit ?? 100, 1000));
  for (const flow of g.pipeline.flows.liveFlows()) {
    const r = flowRecord(flow);
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

export function daemonApi(g: GatewayDaemon): ApiContext {
  return {
    server: g.cfg.server,
    auth: { authenticate: (t) => g.tokens.verify(t), limiter: g.limiter },

    devices() {
      const counts = deviceCounts(g);
      return [...g.pipeline.devices.all()].map((d) => deviceView(g, d, counts)).sort((a, b) => a.mac.localeCompare(b.mac));
    },
    device: (mac) => deviceDetail(g, mac, (m) => g.edgeLogs.logs({ device: m, limit: 50 }).items),

    alerts: (f) => g.alertStore.query(f),
    alert: (id) => g.alertStore.get(id),
    triage(id, action, by) {
      const a = g.alertStore.triage(id, action, by.name ? `${by.name} (${by.tokenId})` : by.tokenId);
      if (a !== null) g.stream.publish('alert', { change: action === 'acknowledge' ? 'acknowledged' : 'resolved', alert: a });
      return a;
    },

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

    health() {
      const influx = g.cfg.metrics.influxUrl ? (() => { const s = g.influxStats(); return s === null ? null : { connected: s.connected, buffered: s.buffered, dropped: s.dropped }; })() : null;
      return {
        status: 'ok', version: g.version, source: g.sourceKind, packets: g.pipeline.packets, devices: g.pipeline.devices.size,
        flows: g.pipeline.flows.size, alerts: g.alertStore.count(), streamClients: g.stream.stats().clients,
        syslog: g.edgeLogs.ports(), influx,
      };
    },
    async metrics() {
      return { contentType: g.prometheus.contentType, text: await g.prometheus.metrics() };
    },
  };
}
