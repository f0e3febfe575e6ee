// An ApiContext for fuzzing the REST handlers without a daemon: the stores whose queries the
// filters reach (alerts, ended flows, tokens) are the real ones over an in-memory SQLite database;
// uploads run the MUD parser and the signature check as the daemon does; the rest answers empty.
import { AlertStore } from '../../alerts/alert-store.js';
import { AuditStore } from '../../audit/audit-store.js';
import { SUPPRESSIONS_DEFAULTS } from '../../alerts/suppression-config.js';
import { Suppressions } from '../../alerts/suppressions.js';
import type { AuthDeps } from '../../auth/request-auth.js';
import { TokenStore } from '../../auth/token-store.js';
import { SERVER_DEFAULTS } from '../../config/daemon-config.js';
import { normalizeJsonLog } from '../../edge-logs/json-log.js';
import type { ApiContext } from '../../server/api-context.js';
import { ApiError } from '../../server/api-errors.js';
import { openDatabase, type Db } from '../../store/database.js';
import { FlowStore } from '../../store/flow-store.js';
import { actionApi } from '../../daemon/action-api.js';
import { ResponseActions } from '../../response/response-actions.js';
import { IncidentCorrelator } from '../../incidents/incident-correlator.js';
import { IncidentStore } from '../../incidents/incident-store.js';
import { INCIDENTS_DEFAULTS } from '../../incidents/incidents-config.js';
import { parseMud, verifyMudSignature } from '../../../policies/index.js';

/** Rows kept by the fake's flow store. */
const MAX_FLOW_ROWS = 1000;

/** The fake context and the database behind it (closed by the caller). */
export function fakeApiContext(): { ctx: ApiContext; db: Db } {
  const db = openDatabase(':memory:');
  const alerts = new AlertStore(db);
  const flows = new FlowStore(db, MAX_FLOW_ROWS);
  const tokens = new TokenStore(db);
  // The real suppressions over the same database: the fuzzer reaches their body checks and tables.
  const suppressions = new Suppressions(db, { config: SUPPRESSIONS_DEFAULTS });
  const tokenView = (t: ReturnType<TokenStore['create']>['info']) => ({ ...t });
  // The real incident store and correlator (with no devices): the fuzzer reaches their queries and body checks.
  const incidents = new IncidentCorrelator(INCIDENTS_DEFAULTS, { store: new IncidentStore(db), resolveDevice: () => null, nameOf: () => null });
  const ctx: ApiContext = {
    server: { ...SERVER_DEFAULTS },
    auth: {} as AuthDeps,
    audit: new AuditStore(db),
    devices: () => [],
    device: () => null,
    learnedProfile: () => null,
    check: () => Promise.resolve({ items: [] }),
    explain: () => 'no-device',
    alerts: (f) => alerts.query(f),
    alert: (id) => alerts.get(id),
    triage: (id, action, by, note) => alerts.triage(id, action, by.tokenId, new Date(), note ?? null),
    alertCapture: () => null,
    alertHistory: (id) => (alerts.get(id) === null ? null : alerts.history(id)),
    incidents: (f) => incidents.list(f),
    incident: (id) => incidents.get(id),
    setIncidentState: (id, state, note, by) => incidents.setState(id, state, by.tokenId, note),
    incidentFalsePositive: (id, note, by) => incidents.falsePositive(id, by.tokenId, note),
    liveFlows: () => [],
    endedFlows: (f) => flows.query(f),
    profiles: () => [],
    profile: () => null,
    async uploadProfile(input) {
      // The daemon's ProfileUploads.upload up to the point where it would store the profile.
      const r = parseMud(input.text);
      if (!r.ok) return { ok: false, code: 'profile.invalid', errors: r.errors.map((e) => ({ path: e.path, code: e.code, message: e.message })) };
      if (input.mayOwn && !input.mayOwn(r.profile.mudUrl)) return { ok: false, code: 'auth.vendor-scope', errors: [] };
      if (input.signature !== null) {
        const v = await verifyMudSignature(Buffer.from(input.text, 'utf8'), input.signature, { trustAnchors: [] });
        if (!v.ok) return { ok: false, code: 'profile.bad-signature', errors: [{ path: '', code: v.code, message: v.reason }] };
      } else if (!input.allowUnsigned) return { ok: false, code: 'profile.unsigned', errors: [] };
      return { ok: true, created: true, info: { mudUrl: r.profile.mudUrl } as never };
    },
    deleteProfile: () => 'not-found',
    logs: () => ({ items: [], next: null }),
    ingestLogs(body, ip) {
      const r = normalizeJsonLog(body, ip, new Date(0));
      return 'errors' in r ? { ok: false, errors: r.errors } : { ok: true, accepted: r.records.length, dropped: 0 };
    },
    tokens: () => tokens.list().map(tokenView),
    createToken(req) {
      const r = tokens.create(req);
      return { token: r.token, info: tokenView(r.info) };
    },
    revokeToken: (id) => tokens.revoke(id),
    alertSeries: () => [],
    logSeries: () => [],
    trafficSeries: () => ({ intervalSeconds: 60, samples: [] }),
    health: () => ({ status: 'ok' }),
    metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }),
    suppressions: (state, limit) => suppressions.list(state, limit),
    suppression: (id) => suppressions.get(id),
    createSuppression: (body, by) => suppressions.create(body, by.tokenId),
    removeSuppression: (id, by) => suppressions.remove(id, by.tokenId),
    suppressedAlerts: (id, limit, before) => suppressions.hits(id, limit, before),
    // A fuzzer must never log in anywhere: no device consents here, so every audit is refused.
    startExposureAudit: () => Promise.reject(new ApiError('exposure.no-consent')),
    exposureAudit: () => null,
    exposureAudits: () => ({ items: [], requests: [] }),
    // The real response actions over this database, recorded only (monitor mode).
    ...actionApi(new ResponseActions(db, {
      emergency: ['192.0.2.9'], gatewayAddresses: ['192.0.2.1'],
      enforcement: { holdDevice: () => Promise.resolve(false), blockPeers: () => Promise.resolve(false) },
    })),
  };
  return { ctx, db };
}
