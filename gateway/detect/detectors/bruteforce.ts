// Password guessing against telnet (`bruteforce.telnet`) and SSH (`bruteforce.ssh`): many short
// sessions from one source to one service, or, in cleartext telnet, many "Login incorrect" replies.
// Mirai and its kin log in to telnet with a list of default credentials, one or a few per session;
// Hydra, Medusa and nmap's ssh-brute open one SSH connection per guess or few (banners, key
// exchange, an encrypted auth attempt, close), on whatever port the service listens (902, 2222…).
//
// The service is the protocol the app layer found by content (gateway/app/app-dispatch.ts:
// `flow.appProto` "ssh" or "telnet", on any port); a flow whose content stayed unknown or that
// carried none (a handshake, then a reset) falls back to the configured ports. Sessions are counted
// when their flow ends: a TCP flow the source opened, that the server answered (SYN-ACK or data),
// and that lasted less than `shortSessionSeconds` or was closed with FIN or RST; an SSH session in
// which the server sent more than `sshMaxServerBytes` did work after a login and is no guess.
// Failed logins are counted as they pass: the telnet module (gateway/app/telnet/) reads each
// server's replies and emits a `login-failure` record for each failed login, on any port it found
// telnet; this detector reads records and parses no payload. SSH is encrypted: sessions only.
import { BoundedTable } from '../../common/bounded-table.js';
import type { AppRecord } from '../../app/app-record.js';
import type { RuleId } from '../../alerts/rules.js';
import { ipv4ToString, ipv6ToString } from '../../common/address-text.js';
import { IPPROTO } from '../../decode/dispatch.js';
import type { PacketView } from '../../decode/packet-view.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../decode/transport/tcp.js';
import type { Flow } from '../../track/flow.js';
import { flowDevice } from '../../sensor/alert-fields.js';
import { OpenFindings, type ReportedFinding } from '../open-findings.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.bruteforce`. All are read at start. */
export interface BruteforceConfig {
  /**
   * Telnet ports (IANA 23; 2323 is Mirai's second target), for flows whose content did not name
   * a protocol. Default [23, 2323].
   */
  telnetPorts: number[];
  /** SSH ports (IANA 22), for flows whose content did not name a protocol. Default [22]. */
  sshPorts: number[];
  /** Window both thresholds count in, seconds. Default 60. */
  windowSeconds: number;
  /**
   * Short sessions from one source to one service within the window that make a finding.
   * Default 10: a person retrying a password reconnects a few times a minute, not ten.
   */
  sessions: number;
  /** A session shorter than this counts even if it was never closed, seconds. Default 30. */
  shortSessionSeconds: number;
  /**
   * Failed telnet logins from one source to one service within the window that make a finding.
   * Default 10: login(1) gives a person at most 5 tries a session (shadow-utils LOGIN_RETRIES;
   * util-linux and BusyBox allow 3), so ten in a minute is more than two sessions of mistakes.
   */
  failures: number;
  /**
   * Payload bytes from the server above which an SSH session is not counted as a guess, bytes.
   * Default 16384: a guess carries the server's banner, KEXINIT, key exchange reply and a few
   * authentication failures, 3-6 KB (3.3-3.7 KB in Zeek's sshguess.pcap; a post-quantum hybrid key
   * exchange adds about 1 KB); a session that logged in and ran a shell or a copy sends more.
   */
  sshMaxServerBytes: number;
  /** Cap on (source, server, port) keys tracked; the least recently active is evicted. Default 4096. */
  maxTracked: number;
}

/** Defaults of `detect.bruteforce` (units and reasons in BruteforceConfig). */
export const BRUTEFORCE_DEFAULTS: Readonly<BruteforceConfig> = Object.freeze({
  telnetPorts: Object.freeze([23, 2323]) as number[],
  sshPorts: Object.freeze([22]) as number[],
  windowSeconds: 60,
  sessions: 10,
  shortSessionSeconds: 30,
  failures: 10,
  sshMaxServerBytes: 16_384,
  maxTracked: 4096,
});

const TELNET = 1, SSH = 2;

type Trigger = 'sessions' | 'failures';

interface Finding extends ReportedFinding {
  sessions: number;
  failures: number;
  trigger: Trigger;
  /** When activity was last counted (a session is counted when its flow ends), µs. */
  lastArrival: number;
  /** The protocol the content showed on the flow that opened the finding (null: by port), and whether its port says otherwise. */
  app: string | null;
  portMismatch: boolean;
}

/** One (source, server, port): the latest session starts and failure times, within the window. */
interface Entry {
  key: string;
  rule: RuleId;
  /** Times (µs) of recent sessions (their start) and failures, oldest first, capped at the threshold. */
  sessionTimes: number[];
  failureTimes: number[];
  /** Totals since the key was last cleared. */
  sessions: number;
  failures: number;
  /** Latest activity (session start, failure), µs, and when it was counted. */
  lastTs: number;
  lastArrival: number;
  finding: Finding | null;
}

/** The running detector, with its counters (for tests and metrics). */
export interface BruteforceDetector extends Plugin {
  /** Keys evicted at `maxTracked`. */
  readonly evicted: number;
}

function keyOf(f: Flow): string {
  return f.family === 4 ? `${f.a0}>${f.b0}:${f.bPort}` : `${f.a0},${f.a1},${f.a2},${f.a3}>${f.b0},${f.b1},${f.b2},${f.b3}:${f.bPort}`;
}

/** Appends `ts` keeping the list sorted and at most `cap` long; true when the newest `cap` fit in `w` µs. */
function push(times: number[], ts: number, cap: number, w: number): boolean {
  let i = times.length;
  while (i > 0 && times[i - 1]! > ts) i--;
  times.splice(i, 0, ts);
  if (times.length > cap) times.shift();
  return times.length >= cap && times[times.length - 1]! - times[0]! <= w;
}

/**
 * The `bruteforce` detector. Alert: src = client, dst = server, dport = the service port, device =
 * the LAN side (the client if it is on the LAN, else the server); dedup peer = the other side, so
 * one alert per (device, attacker or victim). Evidence: `service` (telnet, ssh), `sessions` and
 * `failures` counted in the finding, `windowSeconds`, `trigger` (sessions or failures), `evicted`
 * keys dropped at the cap so far. Raised once (count 1); reports with count 0 refresh the evidence
 * when sessions + failures double and when the finding closes (quiet for the window, or shutdown).
 */
export const bruteforce = plugin<BruteforceConfig>({
  name: 'bruteforce',
  rules: ['bruteforce.telnet', 'bruteforce.ssh'],
  defaults: BRUTEFORCE_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<BruteforceConfig>): BruteforceDetector {
    const windowUs = cfg.windowSeconds * 1e6;
    const shortUs = cfg.shortSessionSeconds * 1e6;
    const service = new Uint8Array(65536);
    for (const p of cfg.telnetPorts) if (p >= 0 && p < 65536) service[p] = TELNET;
    for (const p of cfg.sshPorts) if (p >= 0 && p < 65536) service[p] = SSH;
    const entries: BoundedTable<string, Entry> = new BoundedTable<string, Entry>({
      name: 'detect.bruteforce.maxTracked', capacity: cfg.maxTracked, order: 'lru', counters: host.events, event: 'detect.bruteforce.table_full',
      onEvict: (_key, e) => findings.close(e),
    });
    let closing = false;
    /** Packet time of the latest tick, µs. */
    let now = 0;

    function evidence(f: Finding): Record<string, unknown> {
      return {
        service: f.base.rule === 'bruteforce.ssh' ? 'ssh' : 'telnet', sessions: f.sessions, failures: f.failures,
        windowSeconds: cfg.windowSeconds, trigger: f.trigger, app: f.app, portMismatch: f.portMismatch, evicted: entries.evicted,
      };
    }

    // Reported again each time sessions + failures double.
    const findings = new OpenFindings<Entry, Finding>(host, {
      finding: (e) => e.finding,
      size: (f) => f.sessions + f.failures,
      evidence,
      closed: (e) => {
        e.finding = null;
        e.sessionTimes.length = 0; e.failureTimes.length = 0; e.sessions = 0; e.failures = 0;
      },
    });

    function entryFor(flow: Flow, kind: number, ts: number, arrival: number): Entry {
      const key = keyOf(flow);
      let e = entries.peek(key);
      if (e === undefined) {
        e = { key, rule: kind === SSH ? 'bruteforce.ssh' : 'bruteforce.telnet', sessionTimes: [], failureTimes: [], sessions: 0, failures: 0, lastTs: ts, lastArrival: arrival, finding: null };
        entries.add(key, e);
      } else {
        entries.touch(key, e); // most recently active last
      }
      if (ts > e.lastTs) e.lastTs = ts;
      if (arrival > e.lastArrival) e.lastArrival = arrival;
      return e;
    }

    function openFinding(e: Entry, flow: Flow, trigger: Trigger): void {
      const where = { src: '', dst: '' };
      if (flow.family === 4) { where.src = ipv4ToString(flow.a0); where.dst = ipv4ToString(flow.b0); }
      else { where.src = ipv6ToString(flow.a0, flow.a1, flow.a2, flow.a3); where.dst = ipv6ToString(flow.b0, flow.b1, flow.b2, flow.b3); }
      const device = flowDevice(host, flow);
      // The device is the LAN side; the peer is the other one, so each attacker of a device stands alone.
      const aLocal = flow.family === 4 ? host.local.hasV4(flow.a0) : host.local.hasV6(flow.a0, flow.a1, flow.a2, flow.a3);
      const peer = aLocal ? where.dst : where.src;
      const what = trigger === 'sessions' ? `${cfg.sessions}+ short sessions` : `${cfg.failures}+ failed logins`;
      const f: Finding = {
        sessions: e.sessions, failures: e.failures, trigger, lastTs: e.lastTs, lastArrival: e.lastArrival, nextReport: 0, dirty: false,
        app: flow.appProto ?? flow.app?.proto ?? null, portMismatch: flow.appPortMismatch || (flow.app?.portMismatch ?? false),
        base: {
          rule: e.rule, device, src: where.src, dst: where.dst, proto: 'tcp', sport: null, dport: flow.bPort, peer,
          message: `${where.src} made ${what} to ${e.rule === 'bruteforce.ssh' ? 'SSH' : 'telnet'} on ${where.dst} port ${flow.bPort} within ${cfg.windowSeconds} s`,
        },
      };
      e.finding = f;
      findings.opened(e);
    }

    function activity(e: Entry, flow: Flow, trigger: Trigger, ts: number): void {
      let hit: boolean;
      if (trigger === 'sessions') { e.sessions++; hit = push(e.sessionTimes, ts, cfg.sessions, windowUs); }
      else { e.failures++; hit = push(e.failureTimes, ts, cfg.failures, windowUs); }
      const f = e.finding;
      if (f !== null) {
        if (trigger === 'sessions') f.sessions++; else f.failures++;
        if (e.lastTs > f.lastTs) f.lastTs = e.lastTs;
        f.lastArrival = e.lastArrival;
        findings.grew(f);
      } else if (hit) {
        openFinding(e, flow, trigger);
      }
    }

    return {
      get evicted() { return entries.evicted; },

      onApp(rec: AppRecord, _pv: PacketView, flow: Flow | null): void {
        // A failed login the telnet module read in the server's replies, on whatever port it found telnet.
        if (rec.kind !== 'telnet' || rec.event !== 'login-failure' || flow === null) return;
        activity(entryFor(flow, TELNET, rec.ts, rec.ts), flow, 'failures', rec.ts);
      },

      onFlowEnd(flow: Flow): void {
        if (flow.endReason === 'shutdown') closing = true;
        if (flow.proto !== IPPROTO.TCP) return;
        // The protocol the content showed, else the port's.
        const app = flow.appProto;
        const kind = app === null ? service[flow.bPort]! : app === 'ssh' ? SSH : app === 'telnet' ? TELNET : 0;
        if (kind === 0) return;
        if (kind === SSH && flow.payloadBA > cfg.sshMaxServerBytes) return;
        // A session: opened by A, answered by the server, short or closed.
        if ((flow.flagsAB & TCP_SYN) === 0) return;
        const answered = (flow.flagsBA & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK) || flow.payloadBA > 0;
        if (!answered) return;
        const closed = ((flow.flagsAB | flow.flagsBA) & (TCP_FIN | TCP_RST)) !== 0;
        if (!closed && flow.lastTs - flow.firstTs >= shortUs) return;
        activity(entryFor(flow, kind, flow.firstTs, Math.max(now, flow.lastTs)), flow, 'sessions', flow.firstTs);
      },

      onTick(t: number): void {
        now = t;
        const shut = closing;
        // Quiet is measured from when activity was last counted: sessions are counted when their flows end.
        findings.closeWhere((f) => shut || t - f.lastArrival > windowUs);
        closing = false;
        entries.dropOldestWhile((e) => t - e.lastArrival > windowUs, (e) => findings.close(e));
      },

      stateSize(): number {
        return entries.size;
      },
    };
  },
});
