// What one item of `edgeward check` (the home-router checklist of MIC's telework security guidance)
// reports, the stable ids and titles of the items, and the errors that stop a check run.

/** pass: the evidence shows the item holds; fail: it shows it does not; unknown: the evidence is missing. */
export type CheckStatus = 'pass' | 'fail' | 'unknown';

/** One checklist item as `edgeward check --json` and `GET /api/v1/check` give it. */
export interface CheckResult {
  /** Stable id, one of {@link CHECK_IDS} (never renamed; new items get new ids). */
  id: CheckId;
  /** What the item asks, in words. */
  title: string;
  status: CheckStatus;
  /** What was looked at and what it showed, one finding a line (commands, rules, sockets, files). */
  evidence: string[];
  /** What to do when the item fails or is unknown (kept on a pass too, for when it regresses). */
  fix: string;
}

/** The items, in the order they are reported, with their titles. */
export const CHECK_TITLES = {
  'firewall.wan-default-drop': 'A firewall drops unsolicited input from the WAN by default',
  'nat.masquerade': 'NAT (masquerade or SNAT) is on for traffic leaving by the WAN',
  'dns.filtering': 'DNS filtering is on (edgeward blocklist or a filtering resolver)',
  'upnp.off': 'UPnP IGD and NAT-PMP/PCP are off',
  'remote-admin.closed': 'Remote administration ports are not reachable from the WAN',
  'edgeward.not-root': 'edgeward runs without root',
} as const;

/** A checklist item id. */
export type CheckId = keyof typeof CHECK_TITLES;

/** Every item id, in report order. */
export const CHECK_IDS = Object.keys(CHECK_TITLES) as CheckId[];

/** Codes of {@link CheckError}. */
export type CheckErrorCode =
  /** `--netns NAME` names no namespace under /run/netns. */
  | 'check.netns-unknown'
  /** `--wan` or `--lan` names an interface that does not exist where the check looks. */
  | 'check.interface-unknown'
  /** `--pid` names no running process. */
  | 'check.pid-unknown';

/** A check run that cannot start (bad input, not missing evidence: that is an `unknown` item). */
export class CheckError extends Error {
  constructor(readonly code: CheckErrorCode, message: string) {
    super(message);
    this.name = 'CheckError';
  }
}

/** Builds an item with its title. */
export function checkResult(id: CheckId, status: CheckStatus, evidence: string[], fix: string): CheckResult {
  return { id, title: CHECK_TITLES[id], status, evidence, fix };
}
