// Secrecy of communications (config `privacy`): which application metadata the gateway keeps, and
// which devices it does not inspect at all. Detection still reads every field in memory; what is
// switched off here is blanked where a record leaves the sensor — alert inputs before they are
// deduplicated, stored, streamed or exported, and flow records before they are stored or served —
// so it never reaches SQLite, the stream, EVE or the API. Payload bytes are never kept, unless an
// operator turns captureOnAlert on (gateway/daemon/alert-capture.ts).
import { parseMac } from '../common/address-text.js';
import type { FlowRecord } from './flow-record.js';

/** Config `privacy`. Fixed at start. */
export interface PrivacyConfig {
  /** Keep HTTP request URLs: the path and query, and the Host header (and exploitHttp's excerpts of a request). Default true. */
  httpUris: boolean;
  /** Keep HTTP User-Agent headers (and a miner's agent string). Default true. */
  userAgents: boolean;
  /** Keep DNS names devices looked up (query names, the domains of tunnel and intel alerts). Default true. */
  dnsNames: boolean;
  /** Keep TLS server names (SNI of the ClientHello). Default true. */
  tlsSni: boolean;
  /**
   * Devices excluded from inspection (their owners did not consent), by MAC: their frames are
   * counted per device (the traffic meter's packets and bytes) and nothing else — no device entry,
   * no flows, no app-layer parsing, no alerts. A frame to or from such a device is not inspected
   * for the other side either. Default none.
   */
  excludeDevices: string[];
  /**
   * Capture on alert: the frame during which each new alert was raised is kept as a one-packet pcap
   * file (`<storage.dataDir>/alert-captures/<alert id>.pcap`, GET /api/v1/alerts/:id/capture). The
   * only payload bytes the gateway ever stores. Default false.
   */
  captureOnAlert: boolean;
  /** Capture files kept; the oldest is deleted beyond it. Default 1000. */
  captureOnAlertFiles: number;
  /**
   * Look up cleartext logins (telnet, HTTP Basic, FTP) in the bundled default-credential lists
   * (`device.default-credential`). The telnet and FTP modules then read the client's login lines,
   * in memory, until the login is judged; only a list's name is ever kept, never the user name or
   * password. When false, no client bytes of those logins are read or compared. Default true.
   */
  defaultCredentials: boolean;
}

export const PRIVACY_DEFAULTS: Readonly<PrivacyConfig> = Object.freeze({
  httpUris: true, userAgents: true, dnsNames: true, tlsSni: true, excludeDevices: Object.freeze([]) as unknown as string[],
  captureOnAlert: false, captureOnAlertFiles: 1000, defaultCredentials: true,
});

/** What a withheld text value becomes. */
export const WITHHELD = '[withheld]';

/** Which metadata field a key of alert evidence holds (the keys the detectors use; README "Privacy" lists them). */
type Field = 'httpUris' | 'userAgents' | 'dnsNames' | 'tlsSni';
const EVIDENCE_KEYS: Readonly<Record<string, readonly Field[]>> = Object.freeze({
  uri: ['httpUris'], url: ['httpUris'], path: ['httpUris'], host: ['httpUris'],
  // exploitHttp's excerpt of the request around a signature's match (URI, header or body).
  excerpt: ['httpUris'],
  userAgent: ['userAgents'], agent: ['userAgents'],
  domain: ['dnsNames'], name: ['dnsNames'], names: ['dnsNames'], sampleNames: ['dnsNames'], chain: ['dnsNames'], resolvedFrom: ['dnsNames'], entry: ['dnsNames'],
  sni: ['tlsSni'],
  // A beacon's server is named by DNS, SNI or Host alike.
  serverName: ['dnsNames', 'tlsSni', 'httpUris'],
});

/** The excluded devices as MAC numbers, or null when there are none (the packet path's one check). */
export function excludedMacs(p: Readonly<PrivacyConfig>): ReadonlySet<number> | null {
  const macs = p.excludeDevices.map(parseMac).filter((m) => m >= 0);
  return macs.length > 0 ? new Set(macs) : null;
}

/** Whether any metadata field is switched off. */
export function withholdsAny(p: Readonly<PrivacyConfig>): boolean {
  return !(p.httpUris && p.userAgents && p.dnsNames && p.tlsSni);
}

/** A flow record without the fields `p` switches off (the record itself when none is). */
export function redactFlowRecord(r: FlowRecord, p: Readonly<PrivacyConfig>): FlowRecord {
  if (!withholdsAny(p)) return r;
  const out: FlowRecord = { ...r };
  if (!p.tlsSni) delete out.sni;
  if (out.http !== undefined && (!p.httpUris || !p.userAgents)) {
    out.http = { ...out.http, ...(!p.httpUris ? { host: null, uri: null } : {}), ...(!p.userAgents ? { userAgent: null } : {}) };
  }
  return out;
}

/**
 * Blanks what `p` switches off in an alert's text: the values of the evidence keys that hold such a
 * field (at any depth), and every other occurrence of those values in the evidence, the message and
 * the peer (a detector that names a domain in its message names the one in its evidence). Returns
 * the values withheld, longest first, for the caller's other fields. Mutates `evidence`.
 */
export class Withholder {
  constructor(private readonly p: Readonly<PrivacyConfig>) {}

  /** Collects and blanks the withheld values of `evidence` (in place); `extra` are more (an SNI field). */
  evidence(evidence: Record<string, unknown>, extra: readonly string[] = []): string[] {
    const found = new Set<string>(extra.filter((v) => v.length >= MIN_VALUE));
    const walk = (o: Record<string, unknown>): void => {
      for (const [k, v] of Object.entries(o)) {
        const fields = EVIDENCE_KEYS[k];
        if (fields !== undefined && fields.some((f) => !this.p[f])) o[k] = blank(v, found);
        else if (Array.isArray(v)) v.forEach((x) => { if (isObj(x)) walk(x); });
        else if (isObj(v)) walk(v);
      }
    };
    walk(evidence);
    const values = [...found].sort((a, b) => b.length - a.length);
    if (values.length > 0) sweepStrings(evidence, values);
    return values;
  }

  /** `text` with every value of `values` replaced by {@link WITHHELD}. */
  static text(text: string, values: readonly string[]): string {
    let out = text;
    for (const v of values) if (out.includes(v)) out = out.split(v).join(WITHHELD);
    // A Host and a path side by side were one URL: one marker for it.
    return out.includes(WITHHELD + WITHHELD) ? out.replace(RUN_OF_MARKERS, WITHHELD) : out;
  }
}

const RUN_OF_MARKERS = /(?:\[withheld\]){2,}/g;

/** Values shorter than this are blanked where they stand but not searched for elsewhere ("/" would hit every path). */
const MIN_VALUE = 4;

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `v` with every string in it blanked (collected in `found`); numbers, booleans and null stay. */
function blank(v: unknown, found: Set<string>): unknown {
  if (typeof v === 'string') {
    if (v.length >= MIN_VALUE) found.add(v);
    return v === '' ? v : WITHHELD;
  }
  if (Array.isArray(v)) return v.map((x) => blank(x, found));
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, blank(x, found)]));
  return v;
}

/** Replaces the values in every string of `o` (in place). */
function sweepStrings(o: Record<string, unknown> | unknown[], values: readonly string[]): void {
  const entries: [string | number, unknown][] = Array.isArray(o) ? o.map((x, i) => [i, x]) : Object.entries(o);
  for (const [k, v] of entries) {
    if (typeof v === 'string') (o as Record<string | number, unknown>)[k] = Withholder.text(v, values);
    else if (Array.isArray(v) || isObj(v)) sweepStrings(v as Record<string, unknown>, values);
  }
}
