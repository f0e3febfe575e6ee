// The one reader of telnet's command layer (gateway/app/telnet/telnet-bytes.ts), byte by byte: data,
// IAC IAC as the data byte 255, two-byte commands, option negotiation with its verb, subnegotiation
// (an IAC inside it escaped), and a reset after a gap.
import { describe, expect, it } from 'vitest';
import {
  DO, EC, IAC, SB, SE, TELNET_COMMAND, TELNET_DATA, TELNET_NEGOTIATION, TELNET_OPTION, TelnetCommandReader, WILL,
} from '../../gateway/app/telnet/telnet-bytes.js';

const NOP = 241;
const TTYPE = 24;
const ECHO = 1;

function read(bytes: number[], r = new TelnetCommandReader()): [number, number][] {
  return bytes.map((b) => [b, r.step(b)]);
}

describe('telnet command reader', () => {
  it('passes data, reads IAC IAC as 255 and a two-byte command as a command', () => {
    expect(read([0x61, IAC, IAC, 0x62, IAC, NOP, IAC, EC, 0x63])).toEqual([
      [0x61, TELNET_DATA], [IAC, TELNET_NEGOTIATION], [IAC, TELNET_DATA], [0x62, TELNET_DATA],
      [IAC, TELNET_NEGOTIATION], [NOP, TELNET_COMMAND], [IAC, TELNET_NEGOTIATION], [EC, TELNET_COMMAND], [0x63, TELNET_DATA],
    ]);
  });

  it('gives an option with its verb, and skips a subnegotiation whole, an escaped IAC inside included', () => {
    const r = new TelnetCommandReader();
    expect(read([IAC, WILL, ECHO], r).map(([, k]) => k)).toEqual([TELNET_NEGOTIATION, TELNET_NEGOTIATION, TELNET_OPTION]);
    expect(r.verb).toBe(WILL);
    expect(read([IAC, DO, TTYPE], r).map(([, k]) => k)).toEqual([TELNET_NEGOTIATION, TELNET_NEGOTIATION, TELNET_OPTION]);
    expect(r.verb).toBe(DO);
    const sub = read([IAC, SB, TTYPE, 0, 0x78, IAC, IAC, 0x79, IAC, SE, 0x7a], r).map(([, k]) => k);
    expect(sub).toEqual([...Array<number>(10).fill(TELNET_NEGOTIATION), TELNET_DATA]);
  });

  it('starts over as data after a reset, wherever it was', () => {
    const r = new TelnetCommandReader();
    read([IAC, SB, TTYPE], r);
    expect(r.step(0x41)).toBe(TELNET_NEGOTIATION);
    r.reset();
    expect(r.step(0x41)).toBe(TELNET_DATA);
  });
});
