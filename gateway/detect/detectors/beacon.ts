// Detects command-and-control beaconing: a LAN device checking in with one server at regular
// intervals, with regular sizes. Rule `beacon.c2`.
//
// What counts as a check-in ("event"): every connection the device opens to an outside server
// (its start time and the bytes it sent, RITA's orig_ip_bytes); every HTTP request it sends, so an
// agent polling over ONE keep-alive connection (CALDERA Sandcat: 58 POST /beacon on one
// connection) beacons as much as one opening a connection per call (Ragdoll, Cobalt Strike); and
// every burst of a long-lived connection: the device's first packet after `burstGapSeconds` of
// silence (Merlin polling over one QUIC flow every 15 s). Events are keyed per device by the
// server name it used (TLS SNI, HTTP Host), as RITA keys its "sni" beacons, so a C2 behind
// rotating addresses (CDN fronting, DNS round robin) stays one pair; without a name, by
// destination address, protocol and port (RITA's "ip" beacons).
//
// Scoring (gateway/detect/beacon-score.ts): RITA's timing and data-size scores (Bowley skew and
// median absolute deviation of the intervals and of the sizes), over the span the pair's last
// `maxEventsPerPair` check-ins cover: no fixed hour, so a 2 s beacon is judged within a minute.
// What keeps random timing out is the dispersion of the intervals (MAD / median: 0.69 for random
// gaps), held to `maxDispersionPlain` with `minEventsPlain` check-ins when timing is all there is,
// and to the looser `maxDispersion` with `minEvents` when the HTTP requests show a tool agent or
// POST check-ins. Pairs are scored at checkpoints (events ×1.5, at most a ring apart), not at
// every event, so random timing does not get a new chance with every connection.
//
// Regular is not malicious: an IoT device's cloud heartbeat is as periodic as any beacon. The
// score only says "periodic"; the severity comes from what else the traffic says (signs):
//   bare address   no server name: no SNI, no Host name, and no DNS answer for the address
//   unusual port   a destination port outside `usualPorts` (TrickBot's 7080, CALDERA's 8888), for
//                  check-ins that open connections (a vendor's persistent channel, Nest's 11095,
//                  often has a port of its own)
//   tool agent     an HTTP User-Agent of a scripting tool or library (`toolAgents`: python-requests,
//                  Go-http-client, curl…), rare for a device's firmware, usual for implants
//   POST check-ins most of the pair's HTTP check-ins are POSTs (results and tasking sent up)
//   fast           a median interval under `fastPeriodSeconds` (heartbeats are tens of seconds
//                  or more: MQTT keep-alive 60 s, NTP ≥ 64 s; an implant polls every few seconds)
//   reconnecting   fast, and most check-ins are new connections the server answered (strong: a
//                  device keeps its channel open; an implant that polls every few seconds opens one
//                  connection a poll — HTTPS C2 every 2 s for minutes)
//   undeclared     the device has a MUD profile (RFC 8520) and its profile does not allow this
//                  destination (the policy's verdict on the flow, `flow.verdict`)
// Strong signs (bare address, unusual port, tool agent, reconnecting, undeclared) weigh 1, weak
// ones (POST check-ins, fast) 0.5: a weight of 2 → high; any strong sign → medium; weak signs
// alone → medium, or `setupSeverity` (default no alert) while the device is in its first
// `setupSeconds` (vendor setup chatter); none → `plainSeverity` (default no alert: periodic
// traffic to a named server on a usual port is what every cloud-connected device does). To a LAN
// destination only the tool-agent sign lets it alert at all. A MUD profile that allows the
// destination is a prior that it is expected: `declaredSeverity` (default no alert).
//
// Left out: flows the device did not initiate, multicast and broadcast destinations, the
// `ignorePorts` (DNS, DHCP, NTP, NetBIOS, SSDP, mDNS, LLMNR: periodic by design), and LAN
// destinations except for HTTP requests (hub polling and discovery are periodic; an HTTP C2
// inside the LAN, as in CALDERA's test network, still shows its requests).
import type { Severity } from '../../alerts/rules.js';
import type { AppRecord, HttpRequestRecord } from '../../app/app-record.js';
import { ipv4ToString, ipv6ToString } from '../../common/address-text.js';
import { BoundedTable } from '../../common/bounded-table.js';
import { IPPROTO } from '../../decode/dispatch.js';
import type { PacketView } from '../../decode/packet-view.js';
import { flowFields } from '../../sensor/alert-fields.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';
import type { Flow } from '../../track/flow.js';
import { BeaconPair, hostNameLength, key53, mix, mixName } from '../beacon-pair.js';
import { beaconConfigErrors, type BeaconConfig, BEACON_DEFAULTS } from '../beacon-config.js';
import { scoreBeacon, type BeaconScore } from '../beacon-score.js';

export { BEACON_DEFAULTS, beaconConfigErrors, type BeaconConfig, type QuietSeverity } from '../beacon-config.js';

/** The signs a periodic pair can show (see the file comment), in evidence order. */
export type BeaconSign = 'bare-address' | 'unusual-port' | 'tool-agent' | 'post-checkins' | 'fast' | 'reconnecting' | 'undeclared';

/** Hash seeds of the two halves of a pair key, and the kind tags mixed in. */
const SEED_A = 0x2545f491, SEED_B = 0x6c8e9cf5;
const TAG_NAME = 1, TAG_ADDR = 2;
/**
 * Weight of a strong sign (bare address, unusual port, tool agent, undeclared) and of a weak one
 * (POST check-ins, fast), and the weight that makes a finding high. A weak sign alone is common
 * in IoT: the Hue bridge POSTs to bridge.meethue.com every 2 s while it is being set up (IoT
 * Sentinel HueBridge captures), so POST + fast alone is medium (nothing during setup); two strong
 * signs, or one with both weak ones, are high (CALDERA Sandcat and Ragdoll: unusual port, tool
 * agent, POST check-ins).
 */
const STRONG = 1, WEAK = 0.5, HIGH_WEIGHT = 2;
/** Numbers per burst slot (40 bytes: a slot sits in one cache line or two) and their offsets. */
const FIRST = 4, F_KEY = 0, F_TS = 1, F_SIZE = 2, F_FLAGS = 3;
/** Slots of the first-check-in table (2^14: 512 KiB). */
const FIRST_SLOTS = 1 << 14;
const SLOT = 5, S_ID = 0, S_LAST = 1, S_START = 2, S_BYTES = 3, S_BURSTS = 4;

/** What a MUD verdict on a flow says of its destination (policy/mud-policy.ts FlowVerdict, read by shape). */
const enum Prior { None = 0, Declared = 1, Undeclared = 2 }

/** The from-device verdict the MUD policy put on the flow, if any. */
function priorOf(f: Flow): Prior {
  const vs = f.verdict;
  if (!Array.isArray(vs)) return Prior.None;
  for (const v of vs as unknown[]) {
    if (typeof v !== 'object' || v === null) continue;
    const fv = v as { direction?: unknown; allowed?: unknown };
    if (fv.direction === 'from-device') return fv.allowed === true ? Prior.Declared : Prior.Undeclared;
  }
  return Prior.None;
}

/** The running detector; counters are public for metrics and tests. */
export class BeaconDetector implements Plugin {
  private readonly pairs: BoundedTable<number, BeaconPair>;
  /** Ports never scored, one byte a port (read for every flow: an array index, not a hash). */
  private readonly ignore = new Uint8Array(65536);
  private readonly usual: ReadonlySet<number>;
  private readonly agents: readonly string[];
  /** Scratch of the scorer: 3 × maxEventsPerPair numbers, reused for every pair. */
  private readonly scratch: Float64Array;
  /**
   * Burst slots (see burstSlots), SLOT numbers each side by side, so one packet touches one cache
   * line: the flow id held (NaN: free), its last packet, its open burst's start and device bytes,
   * bursts closed.
   */
  private readonly slots: Float64Array;
  private readonly slotMask: number;
  /** First check-ins of pairs not yet made (FIRST numbers a slot: key (NaN: free), time, size, flags), by key hash. */
  private readonly first = new Float64Array(FIRST_SLOTS * FIRST).fill(NaN);
  private readonly firstMask = FIRST_SLOTS - 1;
  private readonly gapUs: number;
  /** TCP and UDP only: bursts are followed in connections. */
  readonly ipProtos: readonly number[] = [IPPROTO.TCP, IPPROTO.UDP];
  /** Connections not followed for bursts because their slot was held by a live one. */
  burstSlotsBusy = 0;
  /** Packet time (µs) of the next idle sweep. */
  private nextSweep = 0;
  /** Pairs scored (the work done). */
  scored = 0;
  /** Periodic pairs left without an alert (no sign, or declared by the device's profile). */
  quiet = 0;

  /** Throws a RangeError naming every bad key of `cfg`. */
  constructor(private readonly host: PluginHost, private readonly cfg: Readonly<BeaconConfig>) {
    const bad = beaconConfigErrors(cfg);
    if (bad.length > 0) throw new RangeError(`detect.beacon: ${bad.join('; ')}`);
    for (const port of cfg.ignorePorts) this.ignore[port] = 1;
    this.usual = new Set(cfg.usualPorts);
    this.agents = cfg.toolAgents.map((a) => a.toLowerCase());
    this.scratch = new Float64Array(3 * cfg.maxEventsPerPair);
    const n = cfg.burstGapSeconds > 0 ? cfg.burstSlots : 1;
    this.slots = new Float64Array(n * SLOT);
    for (let o = S_ID; o < this.slots.length; o += SLOT) this.slots[o] = NaN;
    this.slotMask = n - 1;
    this.gapUs = cfg.burstGapSeconds * 1e6;
    this.pairs = new BoundedTable<number, BeaconPair>({
      name: 'detect.beacon.maxPairs', capacity: cfg.maxPairs, order: 'lru', counters: host.events, event: 'detect.beacon.table_full',
    });
  }

  /** Pairs evicted at `maxPairs`. */
  get evictedPairs(): number {
    return this.pairs.evicted;
  }

  /**
   * Follows bursts in a connection: a packet from the device after burstGapSeconds of silence
   * closes the burst before it (one check-in: its start and the bytes the device sent in it) and
   * opens a new one. Typed arrays only: this runs on every TCP and UDP packet.
   */
  onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
    if (flow === null || this.gapUs === 0) return;
    const sl = this.slots;
    const i = (flow.id & this.slotMask) * SLOT;
    const id = sl[i + S_ID]!;
    const ts = pv.ts;
    if (id !== flow.id) {
      // Only a flow's first packet may take a slot, and only a free one: a slot is freed when its
      // flow ends, so a held slot is a live connection, the long-lived kind worth following.
      if (flow.packets > 1) return;
      if (id === id) { this.burstSlotsBusy++; return; }
      if (!this.eligible(flow) || (!this.cfg.includeLanDestinations && this.isLanB(flow))) return;
      sl[i + S_ID] = flow.id;
      sl[i + S_LAST] = ts;
      sl[i + S_START] = ts;
      sl[i + S_BYTES] = dir === 0 ? pv.ipLen : 0;
      sl[i + S_BURSTS] = 0;
      return;
    }
    const gap = ts - sl[i + S_LAST]!;
    sl[i + S_LAST] = ts;
    if (dir !== 0) return;
    if (gap >= this.gapUs) {
      // HTTP connections check in per request (onApp), not per burst.
      if (flow.httpMethod === null) this.event(flow, sl[i + S_START]!, sl[i + S_BYTES]!, flow.sni, null, true);
      sl[i + S_BURSTS]!++;
      sl[i + S_START] = ts;
      sl[i + S_BYTES] = 0;
    }
    sl[i + S_BYTES] += pv.ipLen;
  }

  /**
   * A connection ended: one check-in at its start, unless its HTTP requests were counted one by
   * one, or it was cut into bursts (then its last burst is the check-in still to count).
   */
  onFlowEnd(f: Flow): void {
    const sl = this.slots;
    const i = (f.id & this.slotMask) * SLOT;
    let bursts = 0, start = 0, bytes = 0;
    // A flow holding a slot passed the same tests when its first packet took it: not asked again.
    const held = sl[i + S_ID] === f.id;
    if (held) {
      bursts = sl[i + S_BURSTS]!;
      start = sl[i + S_START]!;
      bytes = sl[i + S_BYTES]!;
      sl[i + S_ID] = NaN;
    }
    if (f.httpMethod !== null) return;
    if (!held && (!this.eligible(f) || (!this.cfg.includeLanDestinations && this.isLanB(f)))) return;
    if (bursts > 0) this.event(f, start, bytes, f.sni, null, true);
    else this.event(f, f.firstTs, f.bytesAB, f.sni, null, false);
  }

  /** Every HTTP request the device sends is a check-in (keep-alive agents send many per connection). */
  onApp(rec: AppRecord, _pv: PacketView, flow: Flow | null, dir: number): void {
    if (rec.kind !== 'http.request' || flow === null || dir !== 0 || !this.eligible(flow)) return;
    this.event(flow, rec.ts, rec.contentLength ?? rec.bodyLen, rec.host ?? flow.sni, rec, false);
  }

  onTick(now: number): void {
    // LRU order: least recently updated first. Drop pairs idle for idleSeconds, once a minute of
    // packet time: a fresh iterator walks every hole the refreshes left in the Map, so a sweep a
    // second cost more than the pairs' own work on a busy link; an hour's idle limit can wait a minute.
    if (now < this.nextSweep) return;
    this.nextSweep = now + 60e6;
    const limit = now - this.cfg.idleSeconds * 1e6;
    this.pairs.dropOldestWhile((p) => p.lastTs < limit);
  }

  stateSize(): number {
    return this.pairs.size;
  }

  stateBytes(): number {
    let b = 0;
    for (const p of this.pairs.values()) b += 160 + 16 * p.times.length;
    return b;
  }

  /** A flow the device initiated, TCP or UDP, to a unicast destination on a port not ignored. */
  private eligible(f: Flow): boolean {
    if (!f.initiatorKnown || (f.proto !== IPPROTO.TCP && f.proto !== IPPROTO.UDP) || this.ignore[f.bPort] === 1) return false;
    const local = this.host.local;
    const v4 = f.family === 4;
    if (v4 ? !local.hasV4(f.a0) : !local.hasV6(f.a0, f.a1, f.a2, f.a3)) return false;
    // Multicast and broadcast: 224.0.0.0/4 and up (RFC 5771, 255.255.255.255), ff00::/8 (RFC 4291).
    return v4 ? f.b0 >>> 28 < 14 : f.b0 >>> 24 !== 0xff;
  }

  private isLanB(f: Flow): boolean {
    return f.family === 4 ? this.host.local.hasV4(f.b0) : this.host.local.hasV6(f.b0, f.b1, f.b2, f.b3);
  }

  /** Adds one check-in of `f` at `ts` and judges its pair. */
  private event(f: Flow, ts: number, size: number, name: string | null, req: HttpRequestRecord | null, burst: boolean): void {
    const nameLen = name === null ? 0 : hostNameLength(name);
    // The device: its MAC when the link has one, else its address.
    const dev = f.aMac >= 0 ? f.aMac : f.a0;
    const devHi = f.aMac >= 0 ? Math.floor(f.aMac / 0x100000000) : f.a3;
    let h1 = mix(mix(SEED_A, dev), devHi), h2 = mix(mix(SEED_B, dev), devHi);
    if (nameLen > 0) {
      h1 = mixName(mix(h1, TAG_NAME), name!, nameLen);
      h2 = mixName(mix(h2, TAG_NAME), name!, nameLen);
    } else {
      const pp = f.proto << 16 | f.bPort;
      h1 = mix(mix(mix(mix(mix(mix(h1, TAG_ADDR), f.b0), f.b1), f.b2), f.b3), pp);
      h2 = mix(mix(mix(mix(mix(mix(h2, TAG_ADDR), f.b3), f.b2), f.b1), f.b0), pp);
    }
    const key = key53(h1, h2);
    const prior = priorOf(f);
    let p = this.pairs.get(key);
    if (p === undefined) {
      // A connection's first check-in (no HTTP detail to keep) waits in a fixed slot table: most
      // pairs never see a second one (a page, an update check, a scanner's target), and a pair
      // object, a table entry and an eviction for each cost more than the pair's whole scoring.
      let held = false;
      const fs = this.first, o = (h1 & this.firstMask) * FIRST;
      if (req === null) {
        if (fs[o + F_KEY] !== key) {
          fs[o + F_KEY] = key; fs[o + F_TS] = ts; fs[o + F_SIZE] = size; fs[o + F_FLAGS] = (burst ? 1 : 0) | (prior << 1) | (!burst && f.pktsBA > 0 ? 8 : 0);
          return;
        }
        held = true;
      }
      // The name is copied once per pair (a Host header's ":port" left out), never per event.
      p = new BeaconPair(key, nameLen > 0 ? 'name' : 'address', nameLen > 0 ? name!.slice(0, nameLen).toLowerCase() : null, this.cfg.maxEventsPerPair);
      p.nextScore = this.cfg.minEvents;
      this.pairs.set(key, p);
      if (held || fs[o + F_KEY] === key) {
        const flags = fs[o + F_FLAGS]!;
        fs[o + F_KEY] = NaN;
        p.add(fs[o + F_TS]!, fs[o + F_SIZE]!);
        if ((flags & 1) !== 0) p.bursts++;
        else if ((flags & 8) !== 0) p.answeredConnections++;
        const pr = ((flags >> 1) & 3) as Prior;
        if (pr === Prior.Declared) p.declared++;
        else if (pr === Prior.Undeclared) p.undeclared++;
      }
    }
    p.add(ts, size);
    if (burst) p.bursts++;
    // A connection of its own, answered by the server: with a fast period, the implant's poll.
    else if (req === null && f.pktsBA > 0) p.answeredConnections++;
    if (req !== null) {
      p.http++;
      if (req.method === 'POST') p.posts++;
      if (req.userAgent !== null) {
        p.agent = req.userAgent;
        if (!p.toolAgent) p.toolAgent = this.isTool(req.userAgent);
      }
    }
    if (prior === Prior.Declared) p.declared++;
    else if (prior === Prior.Undeclared) p.undeclared++;

    // Scored at checkpoints, not at every event: each score is a test random timing can pass by
    // chance, and overlapping windows tested again and again would add those chances up. The
    // next checkpoint is half as many events again, at most a whole ring later (disjoint windows).
    if (ts < p.quietUntil || p.events < p.nextScore) return;
    p.nextScore = p.events + Math.min(this.cfg.maxEventsPerPair, Math.max(2, Math.ceil(p.events / 2)));
    this.scored++;
    const s = scoreBeacon(p.times, p.sizes, p.n, this.scratch, this.cfg);
    if (s === null || s.spanSeconds < this.cfg.minSpanSeconds) return;
    const content = p.toolAgent || (p.http > 0 && p.posts * 2 > p.http);
    if (s.checkins < (content ? this.cfg.minEvents : this.cfg.minEventsPlain)) return;
    const dispersion = content ? this.cfg.maxDispersion : this.cfg.maxDispersionPlain;
    if (s.timingScore < this.cfg.minTimingScore || s.score < this.cfg.threshold || s.madSeconds > dispersion * s.medianSeconds) return;
    this.judge(p, s, f, ts);
  }

  /** A periodic pair: its signs and prior decide whether, and how loud, it alerts. */
  private judge(p: BeaconPair, s: BeaconScore, f: Flow, ts: number): void {
    const v4 = f.family === 4;
    const lan = this.isLanB(f);
    // Names the device resolved for the address (asked only here: a pair that scored is rare).
    const names = p.kind === 'address' && !lan ? this.host.dns.namesFor(v4 ? f.b0 : ipv6ToString(f.b0, f.b1, f.b2, f.b3), ts) : [];
    const signs: BeaconSign[] = [];
    if (p.kind === 'address' && !lan && names.length === 0) signs.push('bare-address');
    // A vendor's persistent channel often has a port of its own (Nest's 11095): the port is a sign
    // only for check-ins that open connections (TrickBot's 7080), not for bursts in one.
    if (!this.usual.has(f.bPort) && p.bursts * 2 <= p.events) signs.push('unusual-port');
    if (p.toolAgent) signs.push('tool-agent');
    if (p.http > 0 && p.posts * 2 > p.http) signs.push('post-checkins');
    if (s.medianSeconds < this.cfg.fastPeriodSeconds) {
      // A new, answered connection every few seconds is an implant polling; a device keeps its
      // channel open (MQTT, a keep-alive HTTPS session) or sends requests or bursts on it.
      signs.push(p.answeredConnections * 2 > p.events ? 'reconnecting' : 'fast');
    }
    // The profile's word on the pair: the majority of its verdicts.
    const declared = p.declared > 0 && p.declared >= p.undeclared;
    if (!declared && p.undeclared > 0) signs.push('undeclared');
    let weight = 0, strong = 0;
    for (const x of signs) {
      const weak = x === 'post-checkins' || x === 'fast';
      weight += weak ? WEAK : STRONG;
      if (!weak) strong++;
    }
    const firstSeen = f.aMac >= 0 ? this.host.devices.get(f.aMac)?.firstSeen : undefined;
    // Setup is the device's first minutes at the time of judging: a pair that keeps polling past
    // them is judged again at its next checkpoint (only a judgement held back for setup sets no quiet time).
    const setup = firstSeen !== undefined && ts - firstSeen <= this.cfg.setupSeconds * 1e6;
    // Inside the LAN only a tool's agent tells an implant from an app polling its hub.
    const severity: Severity | 'none' = declared ? this.cfg.declaredSeverity
      : lan && !p.toolAgent ? 'none'
        : weight >= HIGH_WEIGHT ? 'high' : strong > 0 ? 'medium' : weight > 0 ? (setup ? this.cfg.setupSeverity : 'medium') : this.cfg.plainSeverity;
    // Held back only for the device's setup minutes: judged again at the next checkpoint. Any
    // other quiet verdict (declared, plain, LAN) stands for realertSeconds like an alert.
    const heldForSetup = setup && !declared && !(lan && !p.toolAgent) && strong === 0 && weight > 0;
    if (!heldForSetup || severity !== 'none') p.quietUntil = ts + this.cfg.realertSeconds * 1e6;
    if (severity === 'none') { this.quiet++; return; }

    const where = flowFields(this.host, f);
    const dst = v4 ? ipv4ToString(f.b0) : ipv6ToString(f.b0, f.b1, f.b2, f.b3);
    const target = p.kind === 'name' ? p.name! : `${dst}:${f.bPort}`;
    this.host.emit({
      rule: 'beacon.c2', ts, ...where, severity,
      peer: p.kind === 'name' ? `name/${p.name!}` : `${dst}/${where.proto}/${f.bPort}`,
      message: `${where.src} checks in with ${target} every ${r1(s.medianSeconds)} s ± ${r1(s.madSeconds)} s (${s.checkins} check-ins over ${Math.round(s.spanSeconds)} s, score ${r3(s.score)}${signs.length > 0 ? `; ${signs.join(', ')}` : ''})`,
      evidence: {
        keyKind: p.kind, serverName: p.name, names: names.slice(0, 5), checkins: s.checkins, events: p.events,
        spanSeconds: r1(s.spanSeconds), medianSeconds: r3(s.medianSeconds), madSeconds: r3(s.madSeconds), intervalSkew: r3(s.intervalSkew),
        timingScore: r3(s.timingScore), sizeMedian: s.sizeMedian, sizeMad: s.sizeMad, sizeSkew: r3(s.sizeSkew), sizeMode: s.sizeMode,
        sizeScore: r3(s.sizeScore), score: r3(s.score), signs, weight, setup, profile: declared ? 'declared' : p.undeclared > 0 ? 'undeclared' : 'none',
        httpRequests: p.http, posts: p.posts, bursts: p.bursts, userAgent: p.agent,
      },
    });
  }

  private isTool(agent: string): boolean {
    const a = agent.toLowerCase();
    for (const t of this.agents) if (a.includes(t)) return true;
    return false;
  }
}

function r1(x: number): number {
  return Math.round(x * 10) / 10;
}

function r3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The `beacon` detector kind. */
export const beacon = plugin<BeaconConfig>({
  name: 'beacon',
  rules: ['beacon.c2'],
  defaults: BEACON_DEFAULTS,
  create: (host, cfg) => new BeaconDetector(host, cfg),
});
