// The shapes of a device's exposure that the view (exposure-view.ts) builds and the words
// (exposure-words.ts) read: a file of their own, so neither imports the other back.
import type { AuditResult, MappingVia } from './exposure-store.js';
import type { ServiceProto } from './maintenance-services.js';

/** One way in from the internet. */
export type InternetPath =
  | { kind: 'wan-peer'; at: string }
  | { kind: MappingVia; externalPort: number; expiresAt: string | null };

/** A default credential found on a service (never the credential: its list). */
export interface WeakCredential {
  source: 'passive' | 'audit';
  list: string;
  at: string;
}

/** One service of a device. */
export interface ExposedService {
  proto: ServiceProto;
  port: number;
  /** `telnet`, `ssh`, `http-admin`…, or null for an unnamed port. */
  service: string | null;
  /** What it is, in words. */
  words: string;
  maintenance: boolean;
  /** Null when only a mapping or an audit knows of it. */
  firstSeen: string | null;
  lastSeen: string | null;
  lanPeers: number;
  wanPeers: number;
  /** Whether the internet can reach it now, and how. */
  internet: { reachable: boolean; paths: InternetPath[] };
  credentials: WeakCredential[];
  /** The latest audit's result on this port, with the audit's time, or null. */
  audit: (AuditResult & { at: string }) | null;
}

/** How bad a finding is. */
export type FindingSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** One finding. */
export interface Finding {
  severity: FindingSeverity;
  /** The service it is about (`telnet`, `ssh`, `tcp port 8000`…), or null for the device as a whole. */
  service: string | null;
  port: number | null;
  /** One or two sentences. */
  text: string;
  /** What to do, in order. */
  todo: string[];
}

/** A passive default-credential sighting: a `device.default-credential` alert's service, port, list and time. */
export interface PassiveSighting {
  service: string;
  port: number;
  list: string;
  at: string;
}
