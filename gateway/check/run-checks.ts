// `edgeward check` and `GET /api/v1/check`: the home-router checklist of MIC's telework security
// guidance (firewall, NAT, DNS filtering, UPnP off, no remote administration from the WAN, no
// root), run on the gateway itself or inside a named network namespace.
import { gatherContext, type CheckContext, type CheckOptions } from './check-context.js';
import type { CheckResult } from './check-result.js';
import { checkDnsFiltering } from './dns-filtering-check.js';
import { checkFirewall } from './firewall-check.js';
import { checkNat } from './nat-check.js';
import { checkNotRoot } from './not-root-check.js';
import { checkRemoteAdmin } from './remote-admin-check.js';
import { checkUpnp } from './upnp-check.js';

export type { CheckOptions } from './check-context.js';

/** The items in report order (the order of CHECK_IDS). */
const ITEMS: readonly ((ctx: CheckContext) => CheckResult)[] = [checkFirewall, checkNat, checkDnsFiltering, checkUpnp, checkRemoteAdmin, checkNotRoot];

/** A whole run: where it looked and every item. */
export interface CheckReport {
  /** The WAN interface checked (null when none was found). */
  wan: string | null;
  /** True when the WAN is the default route's interface rather than one given. */
  wanFromRoute: boolean;
  lan: string | null;
  /** The namespace the probes ran in, or null for the current one. */
  netns: string | null;
  items: CheckResult[];
  /** Items per status. */
  counts: { pass: number; fail: number; unknown: number };
}

/** Runs every item; throws CheckError when the namespace, an interface or the pid named is not there. */
export async function checkGateway(opts: CheckOptions = {}): Promise<CheckReport> {
  const ctx = await gatherContext(opts);
  const items = ITEMS.map((item) => item(ctx));
  const counts = { pass: 0, fail: 0, unknown: 0 };
  for (const i of items) counts[i.status]++;
  return { wan: ctx.wan.name || null, wanFromRoute: ctx.wanFromRoute, lan: ctx.lan?.name ?? null, netns: opts.netns ?? null, items, counts };
}

/** The items of {@link checkGateway} alone. */
export async function runChecks(opts: CheckOptions = {}): Promise<CheckResult[]> {
  return (await checkGateway(opts)).items;
}
