// The app modules (gateway/app/) on mutated conversations, both directions split at random with gaps,
// and the dispatcher. Contract: never throw, 0 or a registered event, blind to bytes past `end`.
import { AppDispatch, AppFlow, tcpAppTable, udpAppTable } from '../../app/app-dispatch.js';
import type { TcpAppModule } from '../../app/app-module.js';
import { BODY_HEAD_BYTES, type AppRecord } from '../../app/app-record.js';
import type { StreamState } from '../../app/stream-state.js';
import { DECODE_EVENT_LIST, DecodeCounters } from '../../common/events.js';
import { DEFAULT_DECODE_LIMITS, decodeFrame } from '../../decode/decode-frame.js';
import { IPPROTO } from '../../decode/dispatch.js';
import { PacketView } from '../../decode/packet-view.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { mutateBytes, randomBytes } from '../byte-mutator.js';
import type { Corpus } from '../corpus.js';
import { FuzzInvariantError, type FuzzTarget } from '../fuzz-target.js';
import { chance, pick } from '../iteration-random.js';

const TCP = tcpAppTable();
const UDP = udpAppTable();
/** Selector values: each TCP module, each UDP module, then the TCP and UDP dispatchers. */
const SEL_TCP_DISPATCH = TCP.length + UDP.length;
const SEL_UDP_DISPATCH = SEL_TCP_DISPATCH + 1;
const SELECTORS = SEL_UDP_DISPATCH + 1;
/** Input header: selector, then the client stream's length (2 bytes, big-endian); the server stream follows it. */
const HEADER_LEN = 3;

// ---------------------------------------------------------------- seeds

/** A conversation for one module: the client's and the server's bytes. */
export interface AppModuleSample {
  module: string;
  client: Buffer;
  server: Buffer;
}

const t = (s: string): Buffer => Buffer.from(s, 'latin1');
const u16 = (v: number): Buffer => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
const vec16 = (b: Buffer): Buffer => Buffer.concat([u16(b.length), b]);
const vec8 = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length]), b]);

function elf(machine: number): Buffer {
  const b = Buffer.alloc(96, 0);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 1; b[5] = 1; b[6] = 1;
  b.writeUInt16LE(machine, 18);
  return b;
}

function tlsRecord(msg: Buffer): Buffer {
  return Buffer.concat([Buffer.from([22, 3, 1]), vec16(msg)]);
}

function clientHello(): Buffer {
  const ext = (type: number, body: Buffer): Buffer => Buffer.concat([u16(type), vec16(body)]);
  const exts = Buffer.concat([
    ext(0x0a0a, Buffer.alloc(0)),
    ext(0x0000, vec16(Buffer.concat([Buffer.from([0]), vec16(t('iot.example.com'))]))),
    ext(0x0010, vec16(Buffer.concat([vec8(t('h2')), vec8(t('http/1.1'))]))),
    ext(0x002b, vec8(Buffer.from([0x1a, 0x1a, 3, 4, 3, 3]))),
    ext(0x000d, vec16(Buffer.from([4, 3, 8, 4, 4, 1]))),
    ext(0x000a, vec16(Buffer.from([0, 0x1d, 0, 0x17]))),
    ext(0x0033, Buffer.alloc(38, 5)),
  ]);
  const body = Buffer.concat([u16(0x0303), Buffer.alloc(32, 1), vec8(Buffer.alloc(32, 2)), vec16(Buffer.from([0x2a, 0x2a, 0x13, 0x01, 0xc0, 0x2f])), Buffer.from([1, 0]), vec16(exts)]);
  return tlsRecord(Buffer.concat([Buffer.from([1, 0]), u16(body.length), body]));
}

function serverHello(): Buffer {
  const exts = Buffer.concat([u16(0x002b), vec16(u16(0x0304)), u16(0x0010), vec16(vec16(vec8(t('h2'))))]);
  const body = Buffer.concat([u16(0x0303), Buffer.alloc(32, 3), vec8(Buffer.alloc(32, 2)), u16(0x1301), Buffer.from([0]), vec16(exts)]);
  return Buffer.concat([tlsRecord(Buffer.concat([Buffer.from([2, 0]), u16(body.length), body])), Buffer.from([20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 3, 9, 9, 9])]);
}

function dnsQuery(id: number, name: string, response: boolean): Buffer {
  const labels = Buffer.concat([...name.split('.').map((l) => vec8(t(l))), Buffer.from([0])]);
  const head = Buffer.from([id >> 8, id & 0xff, response ? 0x81 : 0x01, response ? 0x80 : 0x00, 0, 1, 0, response ? 1 : 0, 0, 0, 0, 0]);
  const answer = response ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7]) : Buffer.alloc(0);
  return Buffer.concat([head, labels, Buffer.from([0, 1, 0, 1]), answer]);
}

/** One sample conversation per TCP module (by module name), valid, small, exercising the framing. */
export function appModuleSamples(): AppModuleSample[] {
  const body = elf(0x28);
  const soap = t('<s:Envelope><s:Body><u:AddPortMapping xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1"><NewExternalPort>23</NewExternalPort><NewProtocol>TCP</NewProtocol><NewInternalPort>23</NewInternalPort><NewLeaseDuration>0</NewLeaseDuration></u:AddPortMapping></s:Body></s:Envelope>');
  const q1 = dnsQuery(1, 'cnc.example.net', false), r1 = dnsQuery(1, 'cnc.example.net', true);
  return [
    {
      module: 'http',
      client: Buffer.concat([
        t('GET /bins.sh HTTP/1.1\r\nHost: 198.51.100.7\r\nUser-Agent: Wget\r\n\r\n'),
        t('HEAD /bins/mirai.arm HTTP/1.1\r\nHost: x\r\n\r\n'),
        t(`POST /ctl/IPConn HTTP/1.1\r\nSOAPAction: "urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping"\r\nContent-Length: ${soap.length}\r\n\r\n`), soap,
        t('PUT /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n'),
        t('GET /bins/mirai.arm HTTP/1.1\r\n\r\n'),
      ]),
      server: Buffer.concat([
        t('HTTP/1.1 200 OK\r\nContent-Length: 24\r\nServer: x\r\n\r\n#!/bin/sh\ncd /tmp; wget '),
        t('HTTP/1.1 200 OK\r\nContent-Length: 99999\r\n\r\n'),
        t('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Error\r\nContent-Length: 0\r\n\r\n'),
        t('HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n'), t('a\r\n0123456789\r\n0\r\n\r\n'),
        t('HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n'), body,
      ]),
    },
    { module: 'tls', client: Buffer.concat([clientHello(), Buffer.from([23, 3, 3, 0, 2, 1, 2])]), server: serverHello() },
    { module: 'ssh', client: t('SSH-2.0-Go\r\n\x00\x00\x00\x0cbinary'), server: t('Notice line\r\nSSH-2.0-OpenSSH_8.4 Debian-5\r\n\x00\x00\x01\x00') },
    {
      module: 'telnet',
      client: Buffer.concat([Buffer.from([255, 251, 24, 255, 252, 32]), t('root\r\nxc3511\r\n')]),
      server: Buffer.concat([
        Buffer.from([255, 253, 24, 255, 253, 32, 255, 251, 1, 255, 250, 24, 1, 255, 240]), t('\r\nrouter login: root\r\nPassword: '),
        t('\r\nLogin incorrect\r\nrouter login: '), Buffer.from([255, 255]), t('admin\r\nPassword: \r\n\r\nBusyBox v1.19.4 built-in shell (ash)\r\n# '),
      ]),
    },
    {
      module: 'dns',
      client: Buffer.concat([u16(q1.length), q1, u16(q1.length), q1]),
      server: Buffer.concat([u16(r1.length), r1]),
    },
    {
      module: 'stratum',
      client: t('{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5"]}\n{"id":2,"method":"login","params":{"agent":"XMRig/6.21"}}\n{"id":3,"method":"mining.submit"}\n'),
      server: t('{"id":1,"result":true}\n'),
    },
  ];
}

/** One valid datagram per UDP module (by module name). */
export function udpModuleSamples(): { module: string; data: Buffer }[] {
  const dhcp = Buffer.alloc(240);
  dhcp[0] = 1; dhcp[1] = 1; dhcp[2] = 6;
  dhcp.set([99, 130, 83, 99], 236);
  const pcp = Buffer.alloc(60);
  pcp[0] = 2; pcp[1] = 1; pcp[36] = 6;
  return [
    { module: 'dns', data: dnsQuery(7, 'example.com', true) },
    { module: 'mdns', data: dnsQuery(0, 'printer.local', true) },
    { module: 'llmnr', data: dnsQuery(9, 'wpad', false) },
    { module: 'dhcp', data: Buffer.concat([dhcp, Buffer.from([53, 1, 1, 12, 3, 0x63, 0x61, 0x6d, 55, 3, 1, 3, 6, 161, 4, 0x68, 0x74, 0x74, 0x70, 255])]) },
    { module: 'dhcpv6', data: Buffer.from([1, 0, 0, 1, 0, 1, 0, 4, 0, 1, 2, 3, 0, 6, 0, 2, 0, 23]) },
    { module: 'ssdp', data: t('NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nUSN: uuid:1\r\nSERVER: Linux UPnP/1.0\r\n\r\n') },
    { module: 'natpmp', data: Buffer.from([0, 2, 0, 0, 0, 23, 0, 23, 0, 0, 14, 16]) },
    { module: 'natpmp', data: pcp },
  ];
}

/** Serializes a sample as a target input. */
function encode(selector: number, client: Buffer, server: Buffer): Buffer {
  return Buffer.concat([Buffer.from([selector, client.length >> 8, client.length & 0xff]), client, server]);
}

/** Inputs from the corpus frames: TCP and UDP payloads, for the dispatchers. */
function corpusSeeds(corpus: Corpus): Buffer[] {
  const pv = new PacketView();
  const out: Buffer[] = [];
  for (const f of corpus.frames) {
    decodeFrame(pv, f.data, 0, f.data.length, f.data.length, 0, f.linkType, 0, DEFAULT_DECODE_LIMITS);
    if (pv.payloadLen <= 0 || pv.payloadLen > 0xffff) continue;
    const p = f.data.subarray(pv.payloadOff, pv.payloadOff + pv.payloadLen);
    if (pv.ipProto === IPPROTO.TCP) out.push(encode(SEL_TCP_DISPATCH, p, Buffer.alloc(0)));
    else if (pv.ipProto === IPPROTO.UDP) out.push(encode(SEL_UDP_DISPATCH, p, Buffer.alloc(0)));
  }
  return out;
}

const DICT = [
  'GET ', 'POST ', 'HEAD ', 'HTTP/1.1 ', 'HTTP/1.0 200 OK\r\n', '\r\n', '\r\n\r\n', '\n', 'Content-Length: ', 'Transfer-Encoding: chunked\r\n',
  'Connection: close\r\n', '0\r\n\r\n', 'ffffffff\r\n', ';ext', 'SOAPAction: ', '101 ', '204 ', '304 ', '100 ', 'SSH-2.0-', 'login: ',
  'Password: ', 'Login incorrect', '# ', '{"method":"mining.subscribe"', '"agent":"', 'M-SEARCH * HTTP/1.1\r\n', 'NOTIFY * HTTP/1.1\r\n',
].map((s) => Buffer.from(s, 'latin1')).concat([
  [0x7f, 0x45, 0x4c, 0x46], [0x4d, 0x5a], [0xfe, 0xed, 0xfa, 0xce], [0x16, 0x03, 0x01], [0x16, 0x03, 0x03, 0x40, 0x00], [0x01, 0x00, 0xff, 0xff],
  [0x02, 0x00], [0x15, 0x03, 0x03, 0x00, 0x02], [0x00, 0x2b], [0x00, 0x10], [0x0a, 0x0a], [0xff, 0xfb], [0xff, 0xfa], [0xff, 0xf0], [0xff, 0xff],
  [0x00, 0x0c], [0xc0, 0x0c], [0x63, 0x82, 0x53, 0x63], [0x02, 0x01],
].map((b) => Buffer.from(b)));

// ---------------------------------------------------------------- running one input

/** One delivery of a run: a segment of a direction, or a gap. */
interface Step {
  dir: number;
  /** Bytes of that direction's stream, or -1 for a gap of `gap` bytes. */
  from: number;
  to: number;
  gap: number;
}

/** Splits the two streams into segments at random points, interleaved, with an occasional gap. */
function plan(rng: SeededRandom, client: Buffer, server: Buffer): Step[] {
  const steps: Step[] = [];
  const pos = [0, 0];
  const streams = [client, server];
  const fine = chance(rng, 0.2);
  while (pos[0]! < client.length || pos[1]! < server.length) {
    let dir = rng.int(0, 1);
    if (pos[dir]! >= streams[dir]!.length) dir = 1 - dir;
    const left = streams[dir]!.length - pos[dir]!;
    const n = fine ? rng.int(1, Math.min(left, 4)) : rng.int(1, left);
    if (chance(rng, 0.02)) {
      steps.push({ dir, from: -1, to: -1, gap: n });
    } else {
      steps.push({ dir, from: pos[dir]!, to: pos[dir]! + n, gap: 0 });
    }
    pos[dir]! += n;
  }
  return steps;
}

/** A record as text for comparing the two guard runs (Buffers included). */
function text(recs: AppRecord[]): string {
  return JSON.stringify(recs);
}

function checkAnswer(where: string, r: number): void {
  if (r === 0) return;
  if (!(r < 0) || !Number.isInteger(r) || DECODE_EVENT_LIST[-r] === undefined) throw new FuzzInvariantError(`${where}: answered ${r}, not 0 or a negated event`);
}

function checkRecord(where: string, rec: AppRecord): void {
  if ((rec.kind === 'http.request' || rec.kind === 'http.response') && rec.head !== null && rec.head.length > BODY_HEAD_BYTES) {
    throw new FuzzInvariantError(`${where}: body head of ${rec.head.length} bytes`);
  }
}

/** Copies segments into a scratch buffer at a random pad with guard bytes after `end`. */
class Scratch {
  buf = Buffer.alloc(8192);
  place(src: Buffer, s: number, e: number, pad: number, guard: number): [Buffer, number, number] {
    const n = e - s;
    if (this.buf.length < pad + n + 64) this.buf = Buffer.alloc((pad + n + 64) * 2);
    src.copy(this.buf, pad, s, e);
    this.buf.fill(guard, pad + n, pad + n + 64);
    return [this.buf, pad, pad + n];
  }
}

/** Runs one TCP module over a planned conversation; returns the records as text. */
function runModule(mod: TcpAppModule<StreamState>, steps: Step[], streams: Buffer[], pads: number[], guard: number, scratch: Scratch): string {
  const recs: AppRecord[] = [];
  let done = false;
  const out = (rec: AppRecord): void => {
    if (done) throw new FuzzInvariantError(`${mod.name}: a record after the module said done`);
    checkRecord(mod.name, rec);
    recs.push(rec);
  };
  const st = mod.create();
  let stopped = false;
  steps.forEach((step, i) => {
    if (stopped) return;
    if (step.from < 0) {
      mod.gap?.(st, step.dir, step.gap);
    } else {
      const [b, s, e] = scratch.place(streams[step.dir]!, step.from, step.to, pads[i]!, guard);
      const r = mod.feed(st, step.dir, b, s, e, i, out);
      checkAnswer(mod.name, r);
      if (r < 0) stopped = true;
    }
    if (st.done) done = true;
  });
  if (!stopped && !done) mod.end?.(st, steps.length, out);
  return text(recs);
}

/** Runs the dispatcher over a planned conversation on `port`. */
function runDispatch(d: AppDispatch, steps: Step[], streams: Buffer[], pads: number[], guard: number, scratch: Scratch, port: number): string {
  const af = new AppFlow(port);
  const recs: AppRecord[] = [];
  const out = (rec: AppRecord): void => { checkRecord('dispatch', rec); recs.push(rec); };
  steps.forEach((step, i) => {
    if (step.from < 0) d.tcpGap(af, step.dir, step.gap);
    else {
      const [b, s, e] = scratch.place(streams[step.dir]!, step.from, step.to, pads[i]!, guard);
      d.tcpData(af, step.dir, b, s, e, i, out);
    }
  });
  d.tcpEnd(af, steps.length, out);
  return `${af.proto} ${af.status} ${text(recs)}`;
}

/** One datagram through `parse`, twice with different guard bytes after it. */
function runUdp(scratch: Scratch, name: string, parse: (b: Buffer, s: number, e: number, out: (r: AppRecord) => void) => number, data: Buffer, rng: SeededRandom): void {
  const pad = rng.int(0, 15);
  const answers: string[] = [];
  for (const guard of [0x00, 0xff]) {
    const [b, s, e] = scratch.place(data, 0, data.length, pad, guard);
    const recs: AppRecord[] = [];
    const r = parse(b, s, e, (rec) => { checkRecord(name, rec); recs.push(rec); });
    checkAnswer(name, r);
    answers.push(`${r} ${text(recs)}`);
  }
  if (answers[0] !== answers[1]) throw new FuzzInvariantError(`${name} reads past the end of its datagram: ${answers[0]!.slice(0, 300)} vs ${answers[1]!.slice(0, 300)}`);
}

/** Ports the dispatcher is tried on: every module's own, and some nobody claims. */
const PORTS = [...new Set([...TCP.flatMap((e) => e.mod.ports), 902, 7080, 8023, 31337])];

export const appModulesTarget: FuzzTarget = {
  name: 'app-modules',
  description: 'every TCP app module (HTTP, TLS, SSH, telnet, DNS/TCP, Stratum) fed both directions at random split points with gaps, every UDP module, and the dispatcher: never throw, 0 or a registered event, blind to bytes past the end',
  ext: 'bin',
  generator(corpus) {
    const samples = appModuleSamples();
    const seeds: Buffer[] = [];
    for (const s of samples) {
      const i = TCP.findIndex((e) => e.mod.name === s.module);
      seeds.push(encode(i, s.client, s.server), encode(SEL_TCP_DISPATCH, s.client, s.server));
    }
    for (const u of udpModuleSamples()) {
      seeds.push(encode(TCP.length + UDP.findIndex((m) => m.name === u.module), u.data, Buffer.alloc(0)), encode(SEL_UDP_DISPATCH, u.data, Buffer.alloc(0)));
    }
    // The corpus frames (hundreds of payloads, mostly for the dispatchers) are a quarter of the
    // inputs, so that the built conversations, one or two per module, are not drowned.
    const fromCorpus = corpusSeeds(corpus);
    const all = seeds.concat(fromCorpus);
    return (rng: SeededRandom) => {
      if (chance(rng, 0.03)) return Buffer.concat([Buffer.from([rng.int(0, SELECTORS - 1), rng.int(0, 4), rng.int(0, 255)]), randomBytes(rng, 2048)]);
      const seed = fromCorpus.length > 0 && chance(rng, 0.25) ? pick(rng, fromCorpus) : pick(rng, seeds);
      const m = mutateBytes(seed, rng, all, { dict: DICT, maxLen: 70_000, keep: chance(rng, 0.9) ? HEADER_LEN : 0 });
      // Now and then a conversation goes to a module it was not meant for.
      if (m.length > 0 && chance(rng, 0.05)) m[0] = rng.int(0, SELECTORS - 1);
      return m;
    };
  },
  open() {
    const scratch = new Scratch();
    const dispatcher = new AppDispatch(new DecodeCounters());
    return {
      run(input: Buffer, rng: SeededRandom): void {
        if (input.length < HEADER_LEN) return;
        const sel = input[0]! % SELECTORS;
        const clientLen = Math.min((input[1]! << 8) | input[2]!, input.length - HEADER_LEN);
        const client = input.subarray(HEADER_LEN, HEADER_LEN + clientLen);
        const server = input.subarray(HEADER_LEN + clientLen);
        if (sel >= TCP.length && sel < SEL_TCP_DISPATCH) {
          const mod = UDP[sel - TCP.length]!;
          runUdp(scratch, mod.name, (b, s, e, out) => mod.parse(b, s, e, 0, 0, out), client, rng);
          return;
        }
        if (sel === SEL_UDP_DISPATCH) {
          const d = dispatcher;
          const sport = rng.int(0, 65535), dport = chance(rng, 0.7) ? pick(rng, [53, 67, 68, 546, 547, 1900, 5351, 5353, 5355]) : rng.int(0, 65535);
          runUdp(scratch, 'udp-dispatch', (b, s, e, out) => d.udp(b, s, e, sport, dport, 0, 0, out), client, rng);
          return;
        }
        const steps = plan(rng, client, server);
        const pads = steps.map(() => rng.int(0, 15));
        const streams = [client, server];
        const port = pick(rng, PORTS);
        const answers: string[] = [];
        for (const guard of [0x00, 0xff]) {
          answers.push(sel === SEL_TCP_DISPATCH
            ? runDispatch(dispatcher, steps, streams, pads, guard, scratch, port)
            : runModule(TCP[sel]!.mod, steps, streams, pads, guard, scratch));
        }
        if (answers[0] !== answers[1]) {
          const who = sel === SEL_TCP_DISPATCH ? `dispatch on port ${port}` : TCP[sel]!.mod.name;
          throw new FuzzInvariantError(`${who} reads past the end of its input: ${answers[0]!.slice(0, 300)} vs ${answers[1]!.slice(0, 300)}`);
        }
      },
    };
  },
};
