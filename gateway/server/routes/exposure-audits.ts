// /api/v1/exposure/audits: the opt-in exposure audit from the API (issue 20). An admin starts one —
// logins with the bundled default-credential lists on the maintenance ports of devices that
// consent (audit.consent) — and it runs in the daemon's background; anyone who reads devices lists
// the runs (outcomes and list names, never a credential) and follows a request by its id.
import { ApiError, type ErrorDetail } from '../api-errors.js';
import { bodyOf } from './body-members.js';
import { normalizeMac, QueryReader, type Route } from '../route.js';

/** Devices named in one request at most. */
const MAX_DEVICES = 256;

export const exposureAuditRoutes: Route[] = [
  {
    method: 'post', path: '/api/v1/exposure/audits', permission: 'exposure:audit', tag: 'exposure',
    summary: 'Starts an exposure audit in the background: on each device (consenting ones only; all of them without `devices`), telnet 23/2323, SSH 22 and HTTP Basic 80/8080 are tried with the bundled default-credential lists at audit.attemptsPerSecond, stopping at the first pair that logs in; nothing is sent after a success. Every device is checked first (consent, a LAN address that is not the gateway\'s): a refusal sends nothing.',
    body: { types: ['application/json'], description: '{ devices?: [MAC] } (optional body): the devices to audit; default every device of audit.consent', optional: true },
    responses: { 202: '{ audit: AuditRequest }: started; its runs appear in GET /api/v1/exposure/audits/{id} as each device ends' },
    errors: ['request.invalid', 'exposure.no-consent', 'exposure.not-lan', 'exposure.own-address', 'exposure.no-address', 'exposure.audit-running'],
    async handle(req, ctx) {
      const { b, problems } = bodyOf(req.body, ['devices']);
      let devices: string[] | undefined;
      if (b.devices !== undefined) {
        if (!Array.isArray(b.devices) || b.devices.length === 0 || b.devices.length > MAX_DEVICES) {
          problems.push({ path: '/devices', code: 'type', message: `must be a list of 1 to ${MAX_DEVICES} MAC addresses` });
        } else {
          devices = [];
          (b.devices as unknown[]).forEach((m, i) => {
            const mac = typeof m === 'string' ? normalizeMac(m) : null;
            if (mac === null) problems.push({ path: `/devices/${i}`, code: 'mac', message: 'must be a MAC address (aa:bb:cc:dd:ee:ff)' } satisfies ErrorDetail);
            else if (!devices!.includes(mac)) devices!.push(mac);
          });
        }
      }
      if (problems.length > 0) throw new ApiError('request.invalid', undefined, problems);
      const audit = await ctx.startExposureAudit(devices, req.auth!);
      return {
        status: 202, body: { audit }, headers: { location: `/api/v1/exposure/audits/${audit.id}` },
        audit: { target: audit.id, detail: `devices=${audit.devices.map((d) => d.mac).join(',')}` },
      };
    },
  },
  {
    method: 'get', path: '/api/v1/exposure/audits', permission: 'devices:read', tag: 'exposure',
    summary: 'Exposure audit runs kept in the inventory, newest first (one per device audited: each service\'s outcome and the list of a pair that logged in), and the audit requests this daemon holds.',
    query: [
      { name: 'device', type: 'string', description: 'Runs of this device (MAC) only.' },
      { name: 'limit', type: 'integer', description: '1 to 1000, default 100.' },
    ],
    responses: { 200: '{ items: AuditRun[], requests: AuditRequest[] }' },
    handle(req, ctx) {
      const q = new QueryReader(req.query, ['device', 'limit']);
      const f = { device: q.mac('device'), limit: q.int('limit', 1, 1000) };
      q.done();
      return { body: ctx.exposureAudits(f) };
    },
  },
  {
    method: 'get', path: '/api/v1/exposure/audits/:id', permission: 'devices:read', tag: 'exposure',
    summary: 'One audit request: running, done or failed, its devices and the runs stored so far.',
    responses: { 200: 'AuditRequest' }, errors: ['exposure.audit-not-found'],
    handle(req, ctx) {
      const a = ctx.exposureAudit(req.params.id ?? '');
      if (a === null) throw new ApiError('exposure.audit-not-found');
      return { body: a };
    },
  },
];
