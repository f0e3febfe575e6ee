// The shapes a fleet hub's API sends (`edgeward hub`, README "Fleet hub"), as the dashboard reads
// them in hub mode: the sites, cross-site search and the response commands. Alerts and devices are
// the gateway's shapes with `site` beside them.
import type { DeviceView, Severity } from './api-types';

/** How the site's gateway says it is (its latest traffic record); `silent`: nothing heard for 3 min. */
export type SiteHealth = 'ok' | 'degraded' | 'silent';

/** One site of GET /api/v1/sites. */
export interface SiteSummary {
  site: string;
  firstHeard: string;
  lastHeard: string;
  lastSeq: number;
  lastAt: string | null;
  /** Distinct records stored from the site. */
  records: number;
  version: string | null;
  /** Records of the site in the stream the hub has not stored yet; null when it cannot be told. */
  lag: number | null;
  /** Alerts held per severity. */
  alerts: Partial<Record<Severity, number>>;
  /** The gateway's outbox depth from its latest record that says it (absent on an older hub). */
  outboxDepth?: number | null;
  health?: SiteHealth | null;
}

/** A device as the hub lists it. */
export type HubDevice = DeviceView & { site: string };

/** GET /api/v1/search?q= : which sites saw this address, network, MAC, domain, vendor or fingerprint. */
export interface SearchResult {
  q: string;
  kind: 'address' | 'network' | 'mac' | 'domain' | 'vendor' | 'fingerprint' | 'text';
  sites: {
    site: string;
    matches: { kind: 'alert' | 'device' | 'traffic' | 'log'; id: string; summary: string; lastSeen: string }[];
  }[];
}

export type CommandAction = 'block' | 'quarantine' | 'release';
export type CommandStatus = 'pending' | 'applied' | 'refused' | 'failed' | 'expired';

/** What a command acts on: a peer (IP, CIDR), a domain, a device (MAC), or the action to release. */
export interface CommandTarget {
  peer?: string;
  domain?: string;
  device?: string;
  actionId?: string;
}

/** A hub command and its result at each site (GET /api/v1/commands). */
export interface HubCommand {
  id: string;
  action: CommandAction;
  target: CommandTarget;
  note: string | null;
  issuedBy: string;
  issuedAt: string;
  expiresAt: string;
  sites: {
    site: string;
    status: CommandStatus;
    code: string | null;
    message: string | null;
    actionId: string | null;
    ackedAt: string | null;
    attempts: number;
  }[];
}
