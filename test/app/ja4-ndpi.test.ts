// JA4 checked against nDPI on real captures: every flow that an nDPI result file (ndpiReader's
// `.out`, one line per flow) gives a `[JA4: …]` for is found among our flow records by its 5-tuple,
// and our JA4 must be nDPI's. The result files are read as they are, so a capture whose `.out`
// gains JA4 lines is compared without editing this test.
//
// nDPI's ndpi_compute_ja4 (src/lib/protocols/tls.c) writes "i" in JA4_a when the SNI holds an IP
// address, and so do we: the specification's "d" means "the destination of the connection is a
// domain", and RFC 6066 §3 forbids IP literals as a HostName. FoxIO's reference code
// (rust/ja4/src/tls.rs) looks at the extension only; the rule test below pins our reading.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ja4 } from '../../gateway/app/tls/ja4.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import type { FlowRecord } from '../../gateway/track/flow-record.js';
import { fixture } from '../helpers/fixtures.js';

/** Where nDPI's result files sit, and the folder of the capture each `<capture>.out` names. */
const RESULT_DIRS: readonly { results: string; captures: string }[] = [
  { results: 'pcap/ndpi/expected', captures: 'pcap/ndpi' },
  { results: 'pcap/attacks/ntop__nDPI/tests/cfgs/default/result', captures: 'pcap/attacks/ntop__nDPI/tests/cfgs/default/pcap' },
];

/** One flow nDPI fingerprinted. */
interface NdpiJa4 {
  capture: string;
  proto: string;
  a: string; aPort: number;
  b: string; bPort: number;
  ja4: string;
}

/**
 * ndpiReader's flow line: `\t<n>\t<PROTO> <addr>:<port> <-> <addr>:<port> [..]…[JA4: <value>]…`,
 * IPv6 addresses in brackets (`[fe80::1]:443`).
 */
const FLOW_LINE = /^\s*\d+\s+(TCP|UDP)\s+(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)\s+<?->\s+(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d+)\s/;
const JA4_FIELD = /\[JA4: ([^\]]+)\]/;

function ndpiJa4s(): NdpiJa4[] {
  const out: NdpiJa4[] = [];
  for (const dir of RESULT_DIRS) {
    const results = fixture(dir.results);
    if (!existsSync(results)) continue;
    for (const name of readdirSync(results).sort()) {
      if (!name.endsWith('.out')) continue;
      for (const line of readFileSync(join(results, name), 'utf8').split('\n')) {
        const j = JA4_FIELD.exec(line);
        if (j === null) continue;
        const m = FLOW_LINE.exec(line);
        // A JA4 on a line that is not a flow line would be a format this parser does not know: fail loudly.
        if (m === null) throw new Error(`${name}: JA4 on a line that is not a flow line: ${line.slice(0, 120)}`);
        out.push({
          capture: join(dir.captures, name.slice(0, -'.out'.length)), proto: m[1]!.toLowerCase(),
          a: m[2]!.replace(/^\[|\]$/g, ''), aPort: Number(m[3]), b: m[4]!.replace(/^\[|\]$/g, ''), bPort: Number(m[5]), ja4: j[1]!,
        });
      }
    }
  }
  return out;
}

const EXPECTED = ndpiJa4s();
const CAPTURES = [...new Set(EXPECTED.map((e) => e.capture))];

/** Our record of nDPI's flow: the same 5-tuple in either orientation (nDPI prints the client first, as we do). */
function findRecord(records: readonly FlowRecord[], e: NdpiJa4): FlowRecord[] {
  return records.filter((r) => r.proto === e.proto && (
    (r.src === e.a && r.sport === e.aPort && r.dst === e.b && r.dport === e.bPort) ||
    (r.src === e.b && r.sport === e.bPort && r.dst === e.a && r.dport === e.aPort)));
}

describe('JA4 against nDPI result files', () => {
  it('finds the nDPI flows that carry a JA4 (the comparison below is not empty)', () => {
    // Today one result file has one: sonos.pcapng.out (a Sonos speaker's TLS 1.2 on port 1443, no SNI, no ALPN).
    expect(EXPECTED.length).toBeGreaterThanOrEqual(1);
    for (const e of EXPECTED) expect(existsSync(fixture(e.capture)), e.capture).toBe(true);
  });

  it.each(CAPTURES)('%s: every flow nDPI gives a JA4 has ours, equal', async (capture) => {
    const r = await replayCapture(fixture(capture), { config: PIPELINE_DEFAULTS, topFlows: 1_000_000, detect: false });
    const records = r.summary.flows.top;
    const want = EXPECTED.filter((e) => e.capture === capture);
    const found = want.map((e) => findRecord(records, e));
    const name = (e: NdpiJa4) => `${e.proto} ${e.a}:${e.aPort} <-> ${e.b}:${e.bPort}`;
    const got = want.map((e, i) => ({ flow: name(e), records: found[i]!.length, ja4: found[i]!.map((f) => f.ja4 ?? null) }));
    // One record each (a flow split in two would be a tracking fault of its own), with nDPI's JA4.
    expect(got).toEqual(want.map((e) => ({ flow: name(e), records: 1, ja4: [e.ja4] })));
  });
});

describe('the JA4 rules this comparison leans on', () => {
  const base = { legacyVersion: 0x0303, supportedVersions: null, ciphers: [0x009c], extensions: [0x000d], alpn: [], signatureAlgorithms: [0x0401] };

  it('the SNI character is "d" for a domain, "i" without the extension or with an IP literal in it (RFC 6066 §3)', () => {
    expect(ja4({ ...base, extensions: [0x0000, 0x000d], sni: 'api.example.com' })[3]).toBe('d');
    expect(ja4({ ...base, extensions: [0x0000, 0x000d] })[3]).toBe('d');
    expect(ja4(base)[3]).toBe('i');
    expect(ja4({ ...base, extensions: [0x0000, 0x000d], sni: '192.168.1.70' })[3]).toBe('i');
    expect(ja4({ ...base, extensions: [0x0000, 0x000d], sni: '2001:db8::1' })[3]).toBe('i');
  });

  it('the Sonos flow (SNI 192.168.1.70) is nDPI\'s value character for character', () => {
    const sonos = EXPECTED.find((e) => e.capture.endsWith('sonos.pcapng'));
    expect(sonos?.ja4).toBe('t12i130700_88f5d26691c7_cdbdbcd6f742');
  });

  it('version codes are the spec\'s table: SSL 2.0 is 0x0002, DTLS d1/d2/d3, anything else 00', () => {
    const v = (legacyVersion: number) => ja4({ ...base, legacyVersion }).slice(1, 3);
    expect([0x0304, 0x0303, 0x0302, 0x0301, 0x0300, 0x0002, 0xfeff, 0xfefd, 0xfefc, 0x0200, 0x0100].map(v))
      .toEqual(['13', '12', '11', '10', 's3', 's2', 'd1', 'd2', 'd3', '00', '00']);
  });

  it('ALPN characters follow the spec\'s examples (hex digits when an end byte is not alphanumeric)', () => {
    const a = (alpn: string) => ja4({ ...base, alpn: [alpn] }).slice(8, 10);
    expect([a('h2'), a('http/1.1'), a('x'), a('\xab'), a('\xab\xcd'), a('0\xab'), a('01\xab\xcd'), a('0\xab\xcd1')])
      .toEqual(['h2', 'h1', 'xx', 'ab', 'ad', '3b', '3d', '01']);
  });
});
