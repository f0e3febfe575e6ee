// RFC 6587 deframing: octet-counted and LF-framed messages mixed on one stream, fed whole, split at
// every byte offset, and byte by byte; bad lengths resync; long frames are cut and flagged.
import { describe, expect, it } from 'vitest';
import { SyslogDeframer } from '../../gateway/edge-logs/syslog-framing.js';

interface Out { text: string; truncated: boolean }

function run(chunks: Buffer[], maxFrame = 1024, end = true): { out: Out[]; d: SyslogDeframer } {
  const out: Out[] = [];
  const d = new SyslogDeframer(maxFrame, (f, truncated) => out.push({ text: f.toString('utf8'), truncated }));
  for (const c of chunks) d.push(c);
  if (end) d.end();
  return { out, d };
}

const counted = (msg: string): string => `${Buffer.byteLength(msg)} ${msg}`;

// Octet-counted frames may hold LF, NUL and CR; LF frames end at LF, CRLF or NUL.
const MESSAGES = [
  '<34>1 2003-10-11T22:14:15.003Z host su - ID47 - first\nwith a newline inside',
  '<13>Feb  5 17:32:18 10.0.0.99 lf framed',
  '<13>crlf framed',
  '<14>1 - h a - - - ünïcödé counted',
  '<13>nul terminated',
  '<11>1 - h a - - [x@1 k="v\\]"] counted with\0nul',
  '<13>last line, no terminator',
];
const STREAM = Buffer.from(
  counted(MESSAGES[0]!) + MESSAGES[1] + '\n' + MESSAGES[2] + '\r\n' + counted(MESSAGES[3]!) + MESSAGES[4] + '\0' +
  counted(MESSAGES[5]!) + '\n' /* trailer some senders add */ + '\n\r\n' + MESSAGES[6],
);

describe('SyslogDeframer', () => {
  it('splits a mixed stream given in one chunk', () => {
    const { out, d } = run([STREAM]);
    expect(out.map((o) => o.text)).toEqual(MESSAGES);
    expect(out.every((o) => !o.truncated)).toBe(true);
    expect(d.frames).toBe(MESSAGES.length);
    expect(Object.values(d.events).every((n) => n === 0)).toBe(true);
  });

  it('gives the same frames with the stream split at every byte offset', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const { out } = run([STREAM.subarray(0, cut), STREAM.subarray(cut)]);
      expect(out.map((o) => o.text), `cut at ${cut}`).toEqual(MESSAGES);
    }
  });

  it('gives the same frames fed one byte at a time, and in three pieces at every pair of offsets (sampled)', () => {
    const bytes = [...STREAM].map((b) => Buffer.from([b]));
    expect(run(bytes).out.map((o) => o.text)).toEqual(MESSAGES);
    for (let a = 0; a < STREAM.length; a += 7) {
      for (let b = a; b <= STREAM.length; b += 5) {
        const { out } = run([STREAM.subarray(0, a), STREAM.subarray(a, b), STREAM.subarray(b)]);
        expect(out.map((o) => o.text), `cuts ${a},${b}`).toEqual(MESSAGES);
      }
    }
  });

  it('delivers a frame that sits in one chunk as a view, without copying', () => {
    const chunk = Buffer.from('<13>one\n');
    let frame: Buffer | null = null;
    const d = new SyslogDeframer(100, (f) => { frame = f; });
    d.push(chunk);
    expect(frame!.buffer).toBe(chunk.buffer);
  });

  it('a bad length counts framing.bad_length and the line is read as LF-framed', () => {
    const { out, d } = run([Buffer.from('12x<13>not counted\n0 <13>zero length\n1234567890 <13>ten digits\n' + counted('<13>back in sync'))]);
    expect(out.map((o) => o.text)).toEqual(['12x<13>not counted', '0 <13>zero length', '1234567890 <13>ten digits', '<13>back in sync']);
    expect(d.events['framing.bad_length']).toBe(3);
  });

  it('cuts an octet-counted frame over the maximum, skips its rest and stays in sync', () => {
    const long = '<13>' + 'x'.repeat(100);
    const { out, d } = run([Buffer.from(counted(long) + counted('<13>next'))], 20);
    expect(out).toEqual([{ text: long.slice(0, 20), truncated: true }, { text: '<13>next', truncated: false }]);
    expect(d.events['framing.too_long']).toBe(1);
  });

  it('cuts an LF line over the maximum at every split offset', () => {
    const stream = Buffer.from('<13>' + 'y'.repeat(50) + '\n<13>short\n');
    for (let cut = 0; cut <= stream.length; cut++) {
      const { out, d } = run([stream.subarray(0, cut), stream.subarray(cut)], 16);
      expect(out, `cut at ${cut}`).toEqual([{ text: '<13>' + 'y'.repeat(12), truncated: true }, { text: '<13>short', truncated: false }]);
      expect(d.events['framing.too_long']).toBe(1);
    }
  });

  it('a connection ending inside a counted frame delivers what came, flagged, as framing.incomplete', () => {
    const { out, d } = run([Buffer.from('30 <13>only part')]);
    expect(out).toEqual([{ text: '<13>only part', truncated: true }]);
    expect(d.events['framing.incomplete']).toBe(1);
  });

  it('holds a last line without LF until the end', () => {
    const { out, d } = run([Buffer.from('<13>pending')], 100, false);
    expect(out).toEqual([]);
    d.end();
    expect(out).toEqual([{ text: '<13>pending', truncated: false }]);
  });

  it('skips blank lines and yields nothing for an empty stream', () => {
    expect(run([Buffer.from('\n\r\n\0\n')]).out).toEqual([]);
    expect(run([]).out).toEqual([]);
  });
});
