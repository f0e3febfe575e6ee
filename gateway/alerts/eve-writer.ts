// Suricata EVE-compatible JSON lines (https://docs.suricata.io/en/latest/output/eve/eve-json-format.html):
// `event_type: "alert"` with src_ip/dest_ip/proto, community_id and an `alert` object, plus edgeward's own fields
// under `edgeward`, so SIEM shippers that ingest Suricata ingest these as they are.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Alert } from './alert.js';
import { eveSeverity, RULE_IDS, RULES } from './rules.js';

/** Signature ids: a fixed base plus the rule's position in the never-reordered vocabulary. */
const SID_BASE = 9_100_000;

/** The EVE record of an alert. */
export function eveRecord(a: Alert): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    timestamp: a.lastTs.replace('Z', '+0000'),
    event_type: 'alert',
    src_ip: a.src,
    dest_ip: a.dst,
    proto: a.proto.toUpperCase(),
  };
  if (a.sport !== null) rec.src_port = a.sport;
  if (a.dport !== null) rec.dest_port = a.dport;
  // Suricata (output-json.c, community-id: yes) writes `community_id` after the tuple and omits the
  // key when it has no value; a SIEM joins EVE, Zeek and edgeward records of one flow on it.
  if (a.communityId) rec.community_id = a.communityId;
  // Suricata's alert events carry the flow's TLS metadata in a `tls` object (`sni`, `ja4` since 7.0).
  if (a.sni !== undefined || a.ja4 !== undefined) rec.tls = { ...(a.sni !== undefined ? { sni: a.sni } : {}), ...(a.ja4 !== undefined ? { ja4: a.ja4 } : {}) };
  rec.alert = {
    action: 'allowed',
    gid: 1,
    signature_id: SID_BASE + RULE_IDS.indexOf(a.rule),
    rev: 1,
    signature: `edgeward ${a.rule}: ${a.message}`,
    category: RULES[a.rule][1],
    severity: eveSeverity(a.severity),
  };
  rec.edgeward = { id: a.id, rule: a.rule, severity: a.severity, device: a.device, count: a.count, firstTs: a.firstTs, lastTs: a.lastTs, evidence: a.evidence };
  return rec;
}

/** Appends EVE lines to a file. */
export class EveWriter {
  private readonly fd: number;
  /** A line was cut short (the disk filled mid-write): the next starts on a line of its own. */
  private broken = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  write(a: Alert): void {
    this.line(JSON.stringify(eveRecord(a)));
  }

  /** Appends another EVE record as one line (an incident: `event_type: "incident"`, gateway/incidents/incident-eve.ts). */
  writeRecord(rec: Record<string, unknown>): void {
    this.line(JSON.stringify(rec));
  }

  /**
   * Writes one line, whole. A full disk (ENOSPC) throws to the caller (the daemon's storage guard
   * counts it); a line it cut short is ended by the next write's leading newline, so every other
   * line of the file stays one JSON object a SIEM can read.
   */
  private line(json: string): void {
    const buf = Buffer.from(`${this.broken ? '\n' : ''}${json}\n`, 'utf8');
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(this.fd, buf, off);
    } catch (e) {
      if (off > 0) this.broken = true;
      throw e;
    }
    this.broken = false;
  }

  close(): void {
    closeSync(this.fd);
  }
}
