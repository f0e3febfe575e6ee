// Every app-layer parser over every truncation of every sample, and over seeded random byte flips:
// it must never throw, never read outside [off, end), and a stream parser must never say ok with
// an end past the bytes it was given.
//
// Reads outside the window are caught by parsing the same bytes three ways: alone in a buffer of
// exactly their length, and inside a larger buffer whose bytes before `off` and after `end` are all
// 0xff, then all 0x00. A parser that only reads [off, end) gives the same answer all three times.

import { describe, expect, it } from 'vitest';
import { parseDns, parseDnsOverTcp } from '../../../../gateway/app/dns/parse-dns.js';
import { parseDhcp } from '../../../../gateway/app/dhcp/parse-dhcp.js';
import { parseDhcpv6 } from '../../../../gateway/app/dhcpv6/parse-dhcpv6.js';
import { parseLldp } from '../../../../gateway/app/lldp/parse-lldp.js';
import { parseHttpRequest } from '../../../../gateway/app/http/parse-http-request.js';
import { parseSsdp } from '../../../../gateway/app/ssdp/parse-ssdp.js';
import type { StreamParse } from '../../../../gateway/app/parse-result.js';
import { samples } from './samples.js';
import { prng, seedOf } from '../../../helpers/prng.js';

type Parse = (buf: Buffer, off: number, end: number) => unknown;

interface Target {
  name: string;
  /** datagram: record | negated event code; stream: StreamParse. */
  kind: 'datagram' | 'stream';
  parse: Parse;
  samples: Record<string, Buffer>;
}

const TARGETS: Target[] = [
  { name: 'dns', kind: 'datagram', parse: (b, o, e) => parseDns(b, o, e), samples: samples.dns },
  { name: 'dns-tcp', kind: 'stream', parse: (b, o, e) => parseDnsOverTcp(b, o, e), samples: samples.dnsTcp },
  { name: 'dhcp', kind: 'datagram', parse: parseDhcp, samples: samples.dhcp },
  { name: 'dhcpv6', kind: 'datagram', parse: parseDhcpv6, samples: samples.dhcpv6 },
  { name: 'lldp', kind: 'datagram', parse: parseLldp, samples: samples.lldp },
  { name: 'http', kind: 'stream', parse: parseHttpRequest, samples: samples.http },
  { name: 'ssdp', kind: 'datagram', parse: parseSsdp, samples: samples.ssdp },
];

/** Bytes before `off` in the padded buffers (odd, so alignment assumptions show too). */
const PREFIX = 13;
/** Bytes after `end` in the padded buffers. */
const SUFFIX = 64;
const MUTATIONS_PER_SAMPLE = 2000;

/** Call a parser, turning an escaped exception into a failure that says where it happened. */
function call(t: Target, buf: Buffer, off: number, end: number, what: string): unknown {
  try {
    return t.parse(buf, off, end);
  } catch (err) {
    throw new Error(`${t.name} threw on ${what}: ${String(err)}`, { cause: err });
  }
}

/** Result with a stream `end` made relative to `off`, so results at different offsets compare. */
function relative(r: unknown, off: number): unknown {
  const s = r as StreamParse<unknown>;
  return typeof r === 'object' && r !== null && s.status === 'ok' ? { ...s, end: s.end - off } : r;
}

/**
 * Parse `bytes` alone and inside 0xff- and 0x00-padded buffers; the three answers must agree.
 * Returns the answer of the exact-size buffer.
 */
function parseThreeWays(t: Target, bytes: Buffer, what: string): unknown {
  const alone = Buffer.from(bytes);
  const r0 = call(t, alone, 0, alone.length, what);
  for (const fill of [0xff, 0x00]) {
    const padded = Buffer.alloc(PREFIX + bytes.length + SUFFIX, fill);
    bytes.copy(padded, PREFIX);
    const r = call(t, padded, PREFIX, PREFIX + bytes.length, `${what} (fill 0x${fill.toString(16)})`);
    expect(relative(r, PREFIX), `${what}: differs with 0x${fill.toString(16)} around the window`).toEqual(r0);
  }
  return r0;
}

/** Stream answers are well-formed and never claim bytes beyond `n`. */
function checkStream(r: unknown, n: number, what: string): void {
  const s = r as StreamParse<unknown>;
  expect(['ok', 'incomplete', 'error'], what).toContain(s.status);
  if (s.status === 'ok') expect(s.end, `${what}: ok end past the cut`).toBeLessThanOrEqual(n);
  if (s.status === 'error') expect(s.event, what).toBeLessThan(0);
}

/** Datagram answers are a record or a negated event code. */
function checkDatagram(r: unknown, what: string): void {
  if (typeof r === 'number') expect(r, what).toBeLessThan(0);
  else expect(typeof r, what).toBe('object');
}



for (const t of TARGETS) {
  describe(`${t.name} parser`, () => {
    for (const [sampleName, sample] of Object.entries(t.samples)) {
      const id = `${t.name}/${sampleName}`;

      it(`${id}: parses whole, and every truncation 0..${sample.length} stays inside [off, end)`, () => {
        const whole = parseThreeWays(t, sample, `${id} whole`);
        if (t.kind === 'stream') expect((whole as StreamParse<unknown>).status, id).toBe('ok');
        else expect(typeof whole, id).toBe('object');

        for (let n = 0; n <= sample.length; n++) {
          const what = `${id} cut at ${n}`;
          const r = parseThreeWays(t, sample.subarray(0, n), what);
          if (t.kind === 'stream') checkStream(r, n, what);
          else checkDatagram(r, what);
        }
      });

      it(`${id}: ${MUTATIONS_PER_SAMPLE} seeded random mutations never throw or read outside the window`, () => {
        const rand = prng(seedOf(id));
        const int = (n: number): number => Math.floor(rand() * n);
        for (let i = 0; i < MUTATIONS_PER_SAMPLE; i++) {
          const m = Buffer.from(sample);
          const flips = 1 + int(4);
          for (let f = 0; f < flips; f++) {
            const p = int(m.length);
            // Half set a random byte (lengths, pointers, types), half flip one bit.
            if (rand() < 0.5) m[p] = int(256);
            else m[p]! ^= 1 << int(8);
          }
          const n = rand() < 0.25 ? int(m.length + 1) : m.length;
          const what = `${id} mutation ${i}`;
          const r = parseThreeWays(t, m.subarray(0, n), what);
          if (t.kind === 'stream') checkStream(r, n, what);
          else checkDatagram(r, what);
        }
      });
    }
  });
}
