// The application parsers alone (DNS, DNS/TCP, DHCP, DHCPv6, LLDP, HTTP, SSDP, NDP; TLS is in app-modules) on mutated
// payloads cut from the corpus frames. Contract: never throw, blind to the bytes past `end`.
import { parseDhcp } from '../../app/dhcp/parse-dhcp.js';
import { parseDhcpv6 } from '../../app/dhcpv6/parse-dhcpv6.js';
import { parseDns, parseDnsOverTcp } from '../../app/dns/parse-dns.js';
import { parseHttpRequest } from '../../app/http/parse-http-request.js';
import { parseLldp } from '../../app/lldp/parse-lldp.js';
import { parseSsdp } from '../../app/ssdp/parse-ssdp.js';
import { DEFAULT_DECODE_LIMITS, decodeFrame } from '../../decode/decode-frame.js';
import { udpModuleFor } from '../../app/app-dispatch.js';
import { ETHERTYPE, IPPROTO } from '../../decode/dispatch.js';
import { PacketView } from '../../decode/packet-view.js';
import { parseNdp } from '../../decode/transport/icmpv6.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { mutateBytes, randomBytes } from '../byte-mutator.js';
import type { Corpus } from '../corpus.js';
import { FuzzInvariantError, type FuzzTarget } from '../fuzz-target.js';
import { chance, pick } from '../iteration-random.js';

type Parser = (b: Buffer, off: number, end: number) => unknown;

/** The parsers, by the input's first byte (modulo their count). */
export const APP_PARSERS: readonly { name: string; parse: Parser }[] = [
  { name: 'dns', parse: (b, o, e) => parseDns(b, o, e) },
  { name: 'dns-tcp', parse: (b, o, e) => parseDnsOverTcp(b, o, e) },
  { name: 'dhcp', parse: parseDhcp },
  { name: 'dhcpv6', parse: parseDhcpv6 },
  { name: 'lldp', parse: parseLldp },
  { name: 'http', parse: parseHttpRequest },
  { name: 'ssdp', parse: parseSsdp },
  { name: 'ndp', parse: parseNdp },
];
const ID = Object.fromEntries(APP_PARSERS.map((p, i) => [p.name, i])) as Record<string, number>;

/** Tokens of the text protocols and magic numbers of the binary ones. */
const APP_DICT = [
  'GET ', 'POST ', 'M-SEARCH * HTTP/1.1\r\n', 'NOTIFY * HTTP/1.1\r\n', 'HTTP/1.1', 'HTTP/1.0', '\r\n', '\r\n\r\n', '\n', 'Host: ', 'host:',
  'User-Agent: ', 'SERVER: ', ': ', ' ', '\t', 'ST: ', 'NT: ', 'LOCATION: ',
].map((s) => Buffer.from(s, 'latin1')).concat([
  [0xc0, 0x0c], [0xc0, 0x00], [0xff, 0xff], [0x3f], [0x40], [0x00, 0x00, 0x29], [0x63, 0x82, 0x53, 0x63], [0x35, 0x01, 0x01], [0xa1], [0xff],
  [0x16, 0x03, 0x01], [0x16, 0x03, 0x03], [0x01, 0x00], [0x00, 0x00], [0x00, 0x10], [0x00, 0x2b], [0x00, 0x70], [0x00, 0x27], [0x00, 0x09],
  [0xfe, 0x00, 0x00, 0x5e, 0x01], [0x0c], [0x0d],
].map((b) => Buffer.from(b)));

/** Payloads of the corpus frames, each tagged with the parser the pipeline would give it. */
function appSeeds(corpus: Corpus): { parser: number; data: Buffer }[] {
  const pv = new PacketView();
  const out: { parser: number; data: Buffer }[] = [];
  for (const f of corpus.frames) {
    decodeFrame(pv, f.data, 0, f.data.length, f.data.length, 0, f.linkType, 0, DEFAULT_DECODE_LIMITS);
    const payload = (): Buffer => f.data.subarray(pv.payloadOff, pv.payloadOff + pv.payloadLen);
    if (pv.etherType === ETHERTYPE.LLDP && pv.l3Off >= 0) out.push({ parser: ID.lldp!, data: f.data.subarray(pv.l3Off) });
    else if (pv.ipProto === IPPROTO.ICMPV6 && pv.icmpType >= 133 && pv.icmpType <= 137) out.push({ parser: ID.ndp!, data: f.data.subarray(pv.l4Off, pv.l4End) });
    else if (pv.payloadLen <= 0) continue;
    else if (pv.ipProto === IPPROTO.UDP) {
      // The module the sensor's dispatch table picks for these ports, then its parser here.
      const app = udpModuleFor(pv.srcPort, pv.dstPort)?.name;
      const parser = app === 'dns' || app === 'mdns' || app === 'llmnr' ? ID.dns : app === 'dhcp' ? ID.dhcp : app === 'dhcpv6' ? ID.dhcpv6 : app === 'ssdp' ? ID.ssdp : undefined;
      if (parser !== undefined) out.push({ parser, data: payload() });
    } else if (pv.ipProto === IPPROTO.TCP) {
      const p = payload();
      if (pv.dstPort === 53 || pv.srcPort === 53) out.push({ parser: ID['dns-tcp']!, data: p });
      else if (/^[A-Z]{3,7} /.test(p.toString('latin1', 0, 8))) out.push({ parser: ID.http!, data: p });
    }
  }
  return out;
}

/** Serializes a parser's answer for comparison (Buffers and bigints included). */
function answerText(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
}

/** Input: one byte naming the parser (APP_PARSERS, modulo), then the payload. */
export const appParsersTarget: FuzzTarget = {
  name: 'app-parsers',
  description: 'DNS, DNS/TCP, DHCP, DHCPv6, LLDP, HTTP, SSDP and NDP parsers on mutated payloads: never throw, blind to bytes past the end',
  ext: 'bin',
  generator(corpus) {
    const seeds = appSeeds(corpus);
    const datas = seeds.map((s) => s.data);
    return (rng: SeededRandom) => {
      if (seeds.length === 0 || chance(rng, 0.03)) return Buffer.concat([Buffer.from([rng.int(0, APP_PARSERS.length - 1)]), randomBytes(rng, 1024)]);
      const s = pick(rng, seeds);
      // Now and then a payload goes to a parser it was not meant for.
      const parser = chance(rng, 0.05) ? rng.int(0, APP_PARSERS.length - 1) : s.parser;
      return Buffer.concat([Buffer.from([parser]), mutateBytes(s.data, rng, datas, { dict: APP_DICT, maxLen: 70_000 })]);
    };
  },
  open() {
    let chunk = Buffer.alloc(80 * 1024);
    return {
      run(input: Buffer, rng: SeededRandom): void {
        if (input.length === 0) return;
        const p = APP_PARSERS[input[0]! % APP_PARSERS.length]!;
        const payload = input.subarray(1);
        const pad = rng.int(0, 15);
        const end = pad + payload.length;
        if (chunk.length < end + 64) chunk = Buffer.alloc((end + 64) * 2);
        payload.copy(chunk, pad);
        const answers: string[] = [];
        for (const guard of [0x00, 0xff]) {
          chunk.fill(guard, end, end + 64);
          const r = p.parse(chunk, pad, end) as { status?: string; end?: number } | number | null;
          if (r !== null && typeof r === 'object' && r.status === 'ok' && (r.end! < pad || r.end! > end)) {
            throw new FuzzInvariantError(`${p.name}: end ${r.end! - pad} outside the input [0, ${payload.length}]`);
          }
          if (typeof r === 'number' && !(r < 0)) throw new FuzzInvariantError(`${p.name}: answered the number ${r}, not a negated event`);
          answers.push(answerText(r));
        }
        if (answers[0] !== answers[1]) throw new FuzzInvariantError(`${p.name} reads past the end of its input: ${answers[0]!.slice(0, 200)} vs ${answers[1]!.slice(0, 200)}`);
      },
    };
  },
};
