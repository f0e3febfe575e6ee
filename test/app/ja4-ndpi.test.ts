// JA4 checked against nDPI on real captures: every flow that an nDPI result file (ndpiReader's
// `.out`, one line per flow) gives a `[JA4: …]` for is found among our flow records by its 5-tuple,
// and our JA4 must be nDPI's. The result files are read as they are, so a capture whose `.out`
// gains JA4 lines is compared without editing this test.
//
// One known, by-design difference, applied only where its cause is seen in the record:
// nDPI's ndpi_compute_ja4 (src/lib/protocols/tls.c) writes "i" in JA4_a when the SNI holds an IP
// address ("SNI contains IP address": the NDPI_NUMERIC_IP_HOST risk that processClientServerHello
// sets when ndpi_check_is_numeric_ip(sni) and no sub-protocol matched the name). The JA4
// specification (FoxIO JA4.md, "SNI": "If the SNI extension (0x0000) exists, then the destination
// of the connection is a domain, or “d”") and FoxIO's reference implementation (rust/ja4/src/tls.rs,
// `exts.contains(&TLS_EXT_SERVER_NAME)`) look only at whether the extension is there, and so do we:
// JA4 databases are made with FoxIO's tools. So where our record's SNI is an IP literal and nDPI
// printed "i", the 4th character is compared as "d"; everything else (version, counts, ALPN, both
// hashes) must be equal character for character.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isIP } from 'node:net';
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

/**
 * nDPI's JA4 as the specification gives it for the same ClientHello: "i" → "d" at the SNI position
 * when our record shows the SNI extension was there and held an IP literal (see the top comment).
 */
function asSpec(ndpi: string, rec: FlowRecord | undefined): string {
  if (rec?.sni !== undefined && isIP(rec.sni) !== 0 && ndpi[3] === 'i') return `${ndpi.slice(0, 3)}d${ndpi.slice(4)}`;
  return ndpi;
}

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
    expect(got).toEqual(want.map((e, i) => ({ flow: name(e), records: 1, ja4: [asSpec(e.ja4, found[i]![0])] })));
  });
});

describe('the JA4 rules this comparison leans on', () => {
  const base = { legacyVersion: 0x0303, supportedVersions: null, ciphers: [0x009c], extensions: [0x000d], alpn: [], signatureAlgorithms: [0x0401] };

  it('the SNI character follows the extension, not what the name holds (FoxIO JA4.md "SNI")', () => {
    // ja4() is never told the name: an IP literal in the SNI gives "d" as a host name does.
    expect(ja4({ ...base, extensions: [0x0000, 0x000d] })[3]).toBe('d');
    expect(ja4(base)[3]).toBe('i');
  });

  it('the Sonos flow differs from nDPI only there: nDPI t12i… vs ours t12d…, same counts and hashes', () => {
    const sonos = EXPECTED.find((e) => e.capture.endsWith('sonos.pcapng'));
    expect(sonos?.ja4).toBe('t12i130700_88f5d26691c7_cdbdbcd6f742');
    expect(asSpec(sonos!.ja4, { sni: '192.168.1.70' } as FlowRecord)).toBe('t12d130700_88f5d26691c7_cdbdbcd6f742');
    // A host name in the SNI would leave nDPI's value as it is: the adjustment cannot hide a real mismatch.
    expect(asSpec(sonos!.ja4, { sni: 'sonos.local' } as FlowRecord)).toBe(sonos!.ja4);
    expect(asSpec(sonos!.ja4, undefined)).toBe(sonos!.ja4);
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
