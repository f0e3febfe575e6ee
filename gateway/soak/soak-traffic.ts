// The soak's synthetic LAN: devices that join over DHCP and are later replaced by new MACs, each
// opening HTTPS and HTTP sessions (handshake to FIN), looking up ever-new DNS names, talking NTP,
// QUIC-sized UDP and ping, under a few hundred long bulk streams. Deterministic for a seed; frames
// are pre-built templates patched in place, so making a packet allocates nothing.
import { SeededRandom } from '../synth/seeded-random.js';
import { AT } from './frame-template.js';
import { buildSoakTemplates, HOST_DIGIT_COUNT, LABEL_DIGITS, ROUTER_IP, type DhcpKind, type Segment, type SoakTemplates } from './soak-templates.js';

/** Shape of the LAN. */
export interface TrafficOptions {
  seed: number;
  /** Devices on the LAN at once. */
  devices: number;
  /** Devices joining a second once the LAN is full, each replacing a random one (which goes quiet). */
  joinsPerSecond: number;
  /** Long TCP streams carrying most of the packets. */
  bulkFlows: number;
  /** Internet servers, addresses in 198.18.0.0/15 (RFC 2544 benchmarking range); at most 131,070. */
  servers: number;
}

/** Where each frame goes: its bytes (valid only during the call), length, packet time in µs. */
export type SoakSink = (buf: Buffer, len: number, ts: number) => void;

/** What the generator has made. */
export interface TrafficCounters {
  packets: number;
  bytes: number;
  /** DHCP joins (each a new MAC) and the devices they replaced. */
  joins: number;
  departures: number;
  httpsSessions: number;
  httpSessions: number;
  bulkOpened: number;
  bulkEnded: number;
  dnsLookups: number;
  udpExchanges: number;
  pings: number;
}

/**
 * Share of the packets each short activity makes; the rest are bulk stream segments. Chosen so the
 * flow table holds about 90,000 flows at the default 50,000 packets/s (UDP and ICMP flows idle out
 * after 60 s, closed TCP after 10 s), under its 131,072 cap: churn, not eviction, keeps it level.
 */
export const TRAFFIC_MIX = { https: 0.2, http: 0.05, dns: 0.02, ntp: 0.005, quic: 0.01, ping: 0.005 } as const;
/** Packets of one activity. */
const PACKETS = { https: 9, http: 9, dns: 2, ntp: 2, quic: 2, ping: 2, bulk: 3 } as const;
const ACTIVITIES = ['https', 'http', 'dns', 'ntp', 'quic', 'ping', 'bulk'] as const;

/** While the LAN fills up at the start, devices join at least this fast: all within this many seconds. */
const FILL_SECONDS = 10;
/** A bulk stream lasts this long in packet time, seconds (uniform in the range). */
const BULK_MIN_SECONDS = 10;
const BULK_MAX_SECONDS = 120;
/** Locally administered unicast MACs 0a:ed:xx:xx:xx:xx, the last four octets the join number. */
const DEVICE_MAC_HI = 0x0aed;
/** Device addresses 10.1.0.1–10.1.255.254, handed out in turn (a DHCP pool). */
const DEVICE_IP_BASE = 0x0a010000;
const DEVICE_POOL = 65534;
const SERVER_BASE = 0xc6120000; // 198.18.0.0
const MAX_SERVERS = 131070;
/**
 * Names are distinct for this many lookups: the Mersenne prime 2^31 − 1, below 36^6 (6 base-36
 * digits) and within int32. Multiplying by a number it does not divide scatters the lookup counter
 * over it one to one (the MINSTD generators, Park and Miller 1988).
 */
const NAME_SPACE = 2147483647;
const NAME_SCATTER = 48271;
/** The CNAME target's label: another multiplier, so each lookup's target is new too. */
const CNAME_SCATTER = 16807;
/**
 * Random draws are whole numbers below this (SeededRandom.int), not fractions: a fraction returned
 * from a call V8 did not inline would be boxed, one allocation per draw.
 */
const DRAW_SCALE = 1 << 30;
/** Slots of the clock array. */
const FROM = 0, STEP = 1, TO = 2, LAST = 3;
const DHCP_XID = AT.UDP_DATA + 4;
const DHCP_YIADDR = AT.UDP_DATA + 16;

export class SoakTraffic {
  /** Activity counts (packets and bytes are kept apart, see `sent`; read them through `counters`). */
  private readonly made = {
    joins: 0, departures: 0, httpsSessions: 0, httpSessions: 0, bulkOpened: 0, bulkEnded: 0, dnsLookups: 0, udpExchanges: 0, pings: 0,
  };
  private readonly rng: SeededRandom;
  private readonly T: SoakTemplates;
  /** Cumulative activity thresholds out of DRAW_SCALE. */
  private readonly cumulative: Int32Array;
  // Device slots: MAC (last four octets), address, and a generation bumped when the slot's device is
  // replaced. Every number handed between methods is kept in int32 range (addresses and sequence
  // numbers as int32 bit patterns), so V8 passes it unboxed: making a packet allocates nothing.
  private readonly macs: Int32Array;
  private readonly ips: Int32Array;
  private readonly gens: Uint32Array;
  private active = 0;
  private macSeq = 0;
  private ipSeq = 0;
  private nameSeq = 0;
  private joinCredit = 0;
  // Bulk streams: device slot and generation when opened, its MAC and address, server, ports, sequence numbers, end time.
  private readonly bOpen: Uint8Array;
  private readonly bSlot: Int32Array;
  private readonly bGen: Uint32Array;
  private readonly bMac: Int32Array;
  private readonly bIp: Int32Array;
  private readonly bSrv: Int32Array;
  private readonly bPort: Uint16Array;
  private readonly bCseq: Int32Array;
  private readonly bSseq: Int32Array;
  private readonly bEnd: Float64Array;
  // Packet times of the current emit() call, spread evenly over (from, to]: [from, step, to, last].
  // Doubles in a typed array: a double stored in an object field may be boxed afresh on each store.
  private readonly clock = new Float64Array(4);
  private k = 0;
  /** Packets and bytes sent (a byte count passes 2^31 within seconds, so it lives here too). */
  private readonly sent = new Float64Array(2);

  constructor(private readonly opts: Readonly<TrafficOptions>, private readonly sink: SoakSink) {
    if (!(opts.devices >= 1) || !(opts.servers >= 1 && opts.servers <= MAX_SERVERS) || !(opts.bulkFlows >= 1) || !(opts.joinsPerSecond >= 0)) {
      throw new RangeError('soak traffic: devices ≥ 1, 1 ≤ servers ≤ 131070, bulkFlows ≥ 1, joinsPerSecond ≥ 0');
    }
    this.rng = new SeededRandom(opts.seed);
    this.T = buildSoakTemplates(opts.seed);
    // An activity's probability is its packet share over its packet count, so the shares hold.
    const weights = ACTIVITIES.map((a) => (a === 'bulk' ? 1 - Object.values(TRAFFIC_MIX).reduce((s, x) => s + x, 0) : TRAFFIC_MIX[a]) / PACKETS[a]);
    const total = weights.reduce((s, x) => s + x, 0);
    this.cumulative = new Int32Array(weights.length);
    for (let i = 0, acc = 0; i < weights.length; i++) this.cumulative[i] = Math.round((acc += weights[i]! / total) * DRAW_SCALE);
    const n = opts.devices, b = opts.bulkFlows;
    this.macs = new Int32Array(n);
    this.ips = new Int32Array(n);
    this.gens = new Uint32Array(n);
    this.bOpen = new Uint8Array(b);
    this.bSlot = new Int32Array(b);
    this.bGen = new Uint32Array(b);
    this.bMac = new Int32Array(b);
    this.bIp = new Int32Array(b);
    this.bSrv = new Int32Array(b);
    this.bPort = new Uint16Array(b);
    this.bCseq = new Int32Array(b);
    this.bSseq = new Int32Array(b);
    this.bEnd = new Float64Array(b);
  }

  /** What has been made so far (a snapshot). */
  get counters(): TrafficCounters {
    return { packets: this.sent[0]!, bytes: this.sent[1]!, ...this.made };
  }

  /** Packets sent so far. */
  get packets(): number {
    return this.sent[0]!;
  }

  /** Devices on the LAN now. */
  get population(): number {
    return this.active;
  }

  /**
   * Sends at least `n` packets (whole activities, so a few more) with packet times spread over
   * (`fromUs`, `toUs`], after the DHCP joins due in that time. Returns the packets sent.
   */
  emit(n: number, fromUs: number, toUs: number): number {
    const clock = this.clock;
    clock[FROM] = fromUs;
    clock[STEP] = (toUs - fromUs) / Math.max(1, n);
    clock[TO] = toUs;
    this.k = 0;
    const o = this.opts;
    const joinRate = this.active < o.devices ? Math.max(o.joinsPerSecond, o.devices / FILL_SECONDS) : o.joinsPerSecond;
    this.joinCredit += ((toUs - fromUs) / 1e6) * joinRate;
    if (this.active === 0 && this.joinCredit < 1) this.joinCredit = 1;
    while (this.joinCredit >= 1) {
      this.joinCredit -= 1;
      this.join();
    }
    const cum = this.cumulative;
    while (this.k < n) {
      const r = this.rng.int(0, DRAW_SCALE - 1);
      let a = 0;
      while (a < cum.length - 1 && r >= cum[a]!) a++;
      switch (ACTIVITIES[a]) {
        case 'https': this.session(true); break;
        case 'http': this.session(false); break;
        case 'dns': this.dns(); break;
        case 'ntp': this.udpExchange(this.T.ntpUp, this.T.ntpDown, 123); break;
        case 'quic': this.udpExchange(this.T.quicUp, this.T.quicDown, 443); break;
        case 'ping': this.ping(); break;
        default: this.bulk();
      }
    }
    return this.k;
  }

  private send(s: Segment): void {
    const clock = this.clock;
    let ts = Math.floor(clock[FROM]! + (this.k + 1) * clock[STEP]!);
    if (ts > clock[TO]!) ts = clock[TO]!;
    if (ts < clock[LAST]!) ts = clock[LAST]!;
    clock[LAST] = ts;
    this.k++;
    this.sent[0]!++;
    this.sent[1]! += s.t.length;
    this.sink(s.t.buf, s.t.length, ts);
  }

  /** Addresses and ports of a device ↔ server frame, oriented by the template's direction. */
  private place(s: Segment, mac: number, ip: number, srv: number, devPort: number, srvPort: number): void {
    const t = s.t;
    if (s.up) {
      t.mac(AT.ETH_SRC, DEVICE_MAC_HI, mac);
      t.u32(AT.IP_SRC, ip);
      t.u32(AT.IP_DST, srv);
      t.u16(AT.SPORT, devPort);
      t.u16(AT.DPORT, srvPort);
    } else {
      t.mac(AT.ETH_DST, DEVICE_MAC_HI, mac);
      t.u32(AT.IP_SRC, srv);
      t.u32(AT.IP_DST, ip);
      t.u16(AT.SPORT, srvPort);
      t.u16(AT.DPORT, devPort);
    }
  }

  private tcpSend(s: Segment, mac: number, ip: number, srv: number, devPort: number, srvPort: number, seq: number, ack: number): void {
    this.place(s, mac, ip, srv, devPort, srvPort);
    s.t.u32(AT.TCP_SEQ, seq);
    s.t.u32(AT.TCP_ACK, s === this.T.syn ? 0 : ack);
    this.send(s);
  }

  private device(): number {
    return this.rng.int(0, this.active - 1);
  }

  /** A server, popular ones more often (index density falls as 1/√i). */
  private server(): number {
    const r = this.rng.int(0, 0xffff);
    return (SERVER_BASE + 1 + Math.floor(((r * r) / 4294967296) * this.opts.servers)) | 0;
  }

  /** A short HTTPS (ClientHello, server flight) or HTTP (GET, 200) session, handshake to FIN. */
  private session(https: boolean): void {
    const T = this.T, r = this.rng;
    const d = this.device(), mac = this.macs[d]!, ip = this.ips[d]!;
    const srv = this.server(), port = r.ephemeralPort(), svc = https ? 443 : 80;
    const req = https ? T.hello[r.int(0, T.hello.length - 1)]! : T.httpGet[r.int(0, T.httpGet.length - 1)]!;
    const resp = https ? T.flight : T.httpResponse;
    let c = r.nextU32() | 0, s = r.nextU32() | 0;
    this.tcpSend(T.syn, mac, ip, srv, port, svc, c, 0);
    c = (c + 1) | 0;
    this.tcpSend(T.synAck, mac, ip, srv, port, svc, s, c);
    s = (s + 1) | 0;
    this.tcpSend(T.ackUp, mac, ip, srv, port, svc, c, s);
    this.tcpSend(req, mac, ip, srv, port, svc, c, s);
    c = (c + req.payload) | 0;
    this.tcpSend(resp, mac, ip, srv, port, svc, s, c);
    s = (s + resp.payload) | 0;
    this.tcpSend(T.ackUp, mac, ip, srv, port, svc, c, s);
    this.tcpSend(T.finUp, mac, ip, srv, port, svc, c, s);
    c = (c + 1) | 0;
    this.tcpSend(T.finDown, mac, ip, srv, port, svc, s, c);
    s = (s + 1) | 0;
    this.tcpSend(T.ackUp, mac, ip, srv, port, svc, c, s);
    if (https) this.made.httpsSessions++;
    else this.made.httpSessions++;
  }

  /** One burst of a random bulk stream: two data segments down and an ACK, or its open or close. */
  private bulk(): void {
    const T = this.T, i = this.rng.int(0, this.opts.bulkFlows - 1);
    if (this.bOpen[i] === 0) {
      const d = this.device(), mac = this.macs[d]!, ip = this.ips[d]!, srv = this.server(), port = this.rng.ephemeralPort();
      let c = this.rng.nextU32() | 0, s = this.rng.nextU32() | 0;
      this.tcpSend(T.syn, mac, ip, srv, port, 443, c, 0);
      c = (c + 1) | 0;
      this.tcpSend(T.synAck, mac, ip, srv, port, 443, s, c);
      s = (s + 1) | 0;
      this.tcpSend(T.ackUp, mac, ip, srv, port, 443, c, s);
      const hello = T.hello[this.rng.int(0, T.hello.length - 1)]!;
      this.tcpSend(hello, mac, ip, srv, port, 443, c, s);
      c = (c + hello.payload) | 0;
      this.bOpen[i] = 1;
      this.bSlot[i] = d;
      this.bGen[i] = this.gens[d]!;
      this.bMac[i] = mac;
      this.bIp[i] = ip;
      this.bSrv[i] = srv;
      this.bPort[i] = port;
      this.bCseq[i] = c;
      this.bSseq[i] = s;
      this.bEnd[i] = this.clock[FROM]! + this.rng.int(BULK_MIN_SECONDS, BULK_MAX_SECONDS) * 1e6;
      this.made.bulkOpened++;
      return;
    }
    const mac = this.bMac[i]!, ip = this.bIp[i]!, srv = this.bSrv[i]!, port = this.bPort[i]!;
    let c = this.bCseq[i]!, s = this.bSseq[i]!;
    if (this.gens[this.bSlot[i]!] !== this.bGen[i]) {
      // Its device left the LAN: the server gives up on the stream, whose flow then times out closed.
      this.tcpSend(T.rstDown, mac, ip, srv, port, 443, s, c);
      this.bOpen[i] = 0;
      this.made.bulkEnded++;
      return;
    }
    if (this.clock[FROM]! >= this.bEnd[i]!) {
      this.tcpSend(T.finUp, mac, ip, srv, port, 443, c, s);
      c = (c + 1) | 0;
      this.tcpSend(T.finDown, mac, ip, srv, port, 443, s, c);
      s = (s + 1) | 0;
      this.tcpSend(T.ackUp, mac, ip, srv, port, 443, c, s);
      this.bOpen[i] = 0;
      this.made.bulkEnded++;
      return;
    }
    const data = T.dataDown;
    this.tcpSend(data, mac, ip, srv, port, 443, s, c);
    s = (s + data.payload) | 0;
    this.tcpSend(data, mac, ip, srv, port, 443, s, c);
    s = (s + data.payload) | 0;
    this.tcpSend(T.ackUp, mac, ip, srv, port, 443, c, s);
    this.bSseq[i] = s;
  }

  /**
   * A lookup of a name never asked before (until 36^6 lookups) under one of the vendor domains, and
   * its answer: a CNAME to an edge name, also new, and that name's A record.
   */
  private dns(): void {
    const T = this.T, r = this.rng;
    const d = this.device(), mac = this.macs[d]!, ip = this.ips[d]!;
    const v = r.int(0, T.dnsQuery.length - 1), port = r.ephemeralPort(), id = r.int(0, 0xffff);
    const n = (this.nameSeq++ * NAME_SCATTER) % NAME_SPACE;
    const q = T.dnsQuery[v]!, a = T.dnsAnswer[v]!;
    this.place(q, mac, ip, ROUTER_IP, port, 53);
    q.t.u16(AT.UDP_DATA, id);
    q.t.base36(q.labelAt, n, LABEL_DIGITS);
    this.send(q);
    this.place(a, mac, ip, ROUTER_IP, port, 53);
    a.t.u16(AT.UDP_DATA, id);
    a.t.base36(a.labelAt, n, LABEL_DIGITS);
    a.t.base36(a.cnameAt, (n * CNAME_SCATTER) % NAME_SPACE, LABEL_DIGITS);
    a.t.u32(a.addrAt, (SERVER_BASE + 1 + (n % this.opts.servers)) | 0);
    this.send(a);
    this.made.dnsLookups++;
  }

  private udpExchange(up: Segment, down: Segment, svc: number): void {
    const d = this.device(), mac = this.macs[d]!, ip = this.ips[d]!, srv = this.server(), port = this.rng.ephemeralPort();
    this.place(up, mac, ip, srv, port, svc);
    this.send(up);
    this.place(down, mac, ip, srv, port, svc);
    this.send(down);
    this.made.udpExchanges++;
  }

  /** Echo request and reply; a new identifier makes a new flow. */
  private ping(): void {
    const T = this.T, d = this.device(), srv = this.server(), id = this.rng.int(0, 0xffff);
    this.echo(T.echoRequest, this.macs[d]!, this.ips[d]!, srv, id);
    this.echo(T.echoReply, this.macs[d]!, this.ips[d]!, srv, id);
    this.made.pings++;
  }

  private echo(s: Segment, mac: number, ip: number, srv: number, id: number): void {
    const t = s.t;
    t.mac(s.up ? AT.ETH_SRC : AT.ETH_DST, DEVICE_MAC_HI, mac);
    t.u32(AT.IP_SRC, s.up ? ip : srv);
    t.u32(AT.IP_DST, s.up ? srv : ip);
    t.u16(AT.ICMP_ID, id);
    t.u16(AT.ICMP_SEQ, 1);
    this.send(s);
  }

  /** A new MAC joins (DISCOVER, OFFER, REQUEST, ACK) into a free slot, or in place of a random device. */
  private join(): void {
    const o = this.opts, T = this.T;
    let d: number;
    if (this.active < o.devices) d = this.active++;
    else {
      d = this.rng.int(0, o.devices - 1);
      this.made.departures++;
    }
    const seq = ++this.macSeq;
    const mac = seq | 0;
    const ip = DEVICE_IP_BASE + 1 + (this.ipSeq++ % DEVICE_POOL);
    this.macs[d] = mac;
    this.ips[d] = ip;
    this.gens[d] = (this.gens[d]! + 1) >>> 0;
    const k = T.dhcp[seq % T.dhcp.length]!;
    const xid = this.rng.nextU32() | 0;
    this.dhcpClient(k.discover, k, k.discoverHostAt, mac, seq, xid, -1);
    this.dhcpServer(k.offer, k, mac, xid, ip);
    this.dhcpClient(k.request, k, k.requestHostAt, mac, seq, xid, ip);
    this.dhcpServer(k.ack, k, mac, xid, ip);
    this.made.joins++;
  }

  /** DISCOVER, or REQUEST of `requested` (≥ 0), from a device whose hostname ends in its join number. */
  private dhcpClient(s: Segment, k: DhcpKind, hostAt: number, mac: number, seq: number, xid: number, requested: number): void {
    const t = s.t;
    t.mac(AT.ETH_SRC, DEVICE_MAC_HI, mac);
    for (let i = 0; i < k.clientMacAt.length; i++) t.mac(k.clientMacAt[i]!, DEVICE_MAC_HI, mac);
    t.base36(hostAt, seq, HOST_DIGIT_COUNT);
    t.u32(DHCP_XID, xid);
    if (requested >= 0) t.u32(k.requestedAt, requested);
    this.send(s);
  }

  /** OFFER or ACK of `ip` to `mac`. */
  private dhcpServer(s: Segment, k: DhcpKind, mac: number, xid: number, ip: number): void {
    s.t.mac(k.serverMacAt, DEVICE_MAC_HI, mac);
    s.t.u32(DHCP_XID, xid);
    s.t.u32(DHCP_YIADDR, ip);
    this.send(s);
  }
}
