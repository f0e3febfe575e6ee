// The daemon's exposure audits (gateway/exposure/audit/audit-jobs.ts) over its consent
// (audit.consent), LAN (the default ranges, devices.localNetworks and policy.localNetworks) and own
// addresses (policy.gatewayAddresses and its interfaces'); device addresses from the live inventory,
// else the kernel's neighbour table. And the ApiContext members over them, refusals as the API
// registry's errors.
import { parseMac } from '../common/address-text.js';
import { AuditBusyError, AuditJobs } from '../exposure/audit/audit-jobs.js';
import { auditScope, AuditRefusal } from '../exposure/audit/audit-targets.js';
import { consentOf } from '../exposure/audit/consent.js';
import { hostAddresses } from '../response/protected-addresses.js';
import type { ApiContext } from '../server/api-context.js';
import { actorName } from '../server/actor-name.js';
import { ApiError } from '../server/api-errors.js';
import type { DaemonParts } from './daemon-parts.js';

/** The daemon's audit requests. `g` is read at each request (the daemon may still be under construction here). */
export function exposureAuditJobs(g: Pick<DaemonParts, 'cfg' | 'pipeline' | 'exposureStore'>): AuditJobs {
  return new AuditJobs({
    config: g.cfg.audit,
    scope: () => auditScope(consentOf(g.cfg.audit.consent), [...g.cfg.pipeline.devices.localNetworks, ...g.cfg.policy.localNetworks], [...g.cfg.policy.gatewayAddresses, ...hostAddresses()]),
    addressesOf: (mac) => g.pipeline.devices.get(parseMac(mac))?.ips ?? [],
    record: (run) => g.exposureStore.recordAudit(run),
  });
}

/** An audit refusal as the API's error (every refused device in `details`); anything else unchanged. */
function apiError(e: unknown): unknown {
  if (e instanceof AuditBusyError) return new ApiError(e.code, e.message);
  if (!(e instanceof AuditRefusal)) return e;
  return new ApiError(e.code, e.message, e.refusals.map((r) => ({ path: r.mac === '' ? '/devices' : `/devices/${r.mac}`, code: r.code, message: r.message })));
}

/** The ApiContext members over the daemon's exposure audits. */
export function exposureAuditApi(g: DaemonParts): Pick<ApiContext, 'startExposureAudit' | 'exposureAudit' | 'exposureAudits'> {
  return {
    async startExposureAudit(devices, by) {
      try {
        return await g.exposureAudits.start(devices, actorName(by));
      } catch (e) {
        throw apiError(e);
      }
    },
    exposureAudit: (id) => g.exposureAudits.get(id),
    exposureAudits: (f) => ({ items: g.exposureStore.audits(f.device, f.limit ?? 100), requests: g.exposureAudits.list() }),
  };
}
