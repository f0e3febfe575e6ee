// The alert record of DESIGN.md, and what a detector hands over to raise one.
import type { RuleId, Severity } from './rules.js';

/** What a detector emits. Times are packet time in µs; addresses are text. */
export interface AlertInput {
  rule: RuleId;
  /** Packet time of the evidence, µs. */
  ts: number;
  /** MAC of the LAN device concerned, or null. */
  device: string | null;
  src: string;
  dst: string;
  proto: string;
  sport: number | null;
  dport: number | null;
  message: string;
  evidence: Record<string, unknown>;
  /** Community ID v1 of the flow or packet concerned (filled by `sensor/alert-fields.ts`); absent or null when none. */
  communityId?: string | null;
  /** TLS server name and JA4 client fingerprint of the flow concerned, when it is TLS (alert-fields.ts). */
  sni?: string | null;
  ja4?: string | null;
  /** Deduplication peer (default `dst`): alerts with the same rule, device and peer fold into one. */
  peer?: string;
  /** Overrides the rule's configured severity (rare: a detector that grades its own finding). */
  severity?: Severity;
  /** How many occurrences this input stands for (default 1); 0 updates an open alert's evidence only. */
  count?: number;
}

/** An alert as stored, exported and streamed. */
export interface Alert {
  id: string;
  /** Packet time of the first occurrence, ISO-8601. */
  ts: string;
  rule: RuleId;
  severity: Severity;
  device: string | null;
  src: string;
  dst: string;
  proto: string;
  sport: number | null;
  dport: number | null;
  /**
   * Community ID v1 (https://github.com/corelight/community-id-spec) of the flow or packet of the
   * first occurrence, so the alert joins Zeek and Suricata logs of the same flow; null when the
   * alert is about no one flow (a scan, a storm) or the tuple gives none.
   */
  communityId: string | null;
  /** TLS server name and JA4 client fingerprint (FoxIO) of the first occurrence's flow; absent when it is not TLS. */
  sni?: string;
  ja4?: string;
  /** Occurrences folded into this alert. */
  count: number;
  message: string;
  evidence: Record<string, unknown>;
  /** First and last occurrence, ISO-8601. */
  firstTs: string;
  lastTs: string;
}
