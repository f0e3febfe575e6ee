// Shared builders for the app-module tests: a record collector, ELF/PE bodies, HTTP messages, and a
// driver that feeds a TCP module a list of (direction, bytes) segments.
import type { TcpAppModule } from '../../gateway/app/app-module.js';
import type { AppRecord } from '../../gateway/app/app-record.js';
import type { StreamState } from '../../gateway/app/stream-state.js';

/** A sink and what it received. */
export function collect(): { recs: AppRecord[]; out: (r: AppRecord) => void } {
  const recs: AppRecord[] = [];
  return { recs, out: (r) => recs.push(r) };
}

/** Records of one kind. */
export function ofKind<K extends AppRecord['kind']>(recs: AppRecord[], kind: K): Extract<AppRecord, { kind: K }>[] {
  return recs.filter((r): r is Extract<AppRecord, { kind: K }> => r.kind === kind);
}

/** Packet time used by the tests, µs. */
export const T0 = 1_700_000_000_000_000;

/** A TCP module run by hand: create, feed segments in order, end. Returns the records and the feed answers. */
export function runTcp<S extends StreamState>(
  mod: TcpAppModule<S>, segments: ReadonlyArray<readonly [number, Buffer]>, opts: { end?: boolean } = {},
): { recs: AppRecord[]; rets: number[]; state: S } {
  const { recs, out } = collect();
  const state = mod.create();
  const rets: number[] = [];
  segments.forEach(([dir, b], i) => rets.push(mod.feed(state, dir, b, 0, b.length, T0 + i, out)));
  if (opts.end !== false) mod.end?.(state, T0 + segments.length, out);
  return { recs, rets, state };
}

/** `b` cut into pieces at the given offsets. */
export function splitAt(b: Buffer, ...cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let p = 0;
  for (const c of [...cuts, b.length]) {
    out.push(b.subarray(p, c));
    p = c;
  }
  return out;
}

/** `b` cut into pieces of `size` bytes. */
export function chunks(b: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0; p < b.length; p += size) out.push(b.subarray(p, Math.min(b.length, p + size)));
  return out;
}

/** An ELF file's first bytes: 32-bit header with e_machine `machine` in the given byte order, padded to `len`. */
export function elfBody(machine: number, littleEndian: boolean, len = 400): Buffer {
  const b = Buffer.alloc(len, 0x90);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 1; // ELFCLASS32
  b[5] = littleEndian ? 1 : 2; // EI_DATA
  b[6] = 1; // EV_CURRENT
  b.fill(0, 7, 16);
  if (littleEndian) { b.writeUInt16LE(2, 16); b.writeUInt16LE(machine, 18); } else { b.writeUInt16BE(2, 16); b.writeUInt16BE(machine, 18); }
  return b;
}

/** A PE file's first bytes: DOS header with e_lfanew `lfanew`, "PE\0\0" there. */
export function peBody(lfanew = 0x80, len = 512): Buffer {
  const b = Buffer.alloc(len, 0);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(lfanew, 0x3c);
  if (lfanew + 4 <= len) b.write('PE\0\0', lfanew, 'latin1');
  return b;
}

/** An HTTP/1.1 request with optional headers and body (Content-Length added when a body is given). */
export function request(method: string, uri: string, headers: Record<string, string> = {}, body?: Buffer): Buffer {
  const h = { Host: '198.51.100.7', 'User-Agent': 'Wget/1.20', ...headers };
  if (body !== undefined && !('Transfer-Encoding' in headers)) (h as Record<string, string>)['Content-Length'] = String(body.length);
  const head = `${method} ${uri} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body ?? Buffer.alloc(0)]);
}

/** An HTTP/1.1 response; a body gets a Content-Length unless `headers` frame it otherwise (or `noLength`). */
export function response(status: number, headers: Record<string, string> = {}, body?: Buffer, noLength = false): Buffer {
  const h: Record<string, string> = { Server: 'nginx/1.18.0', ...headers };
  if (body !== undefined && !noLength && !('Transfer-Encoding' in headers) && !('Content-Length' in headers)) h['Content-Length'] = String(body.length);
  const head = `HTTP/1.1 ${status} X\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body ?? Buffer.alloc(0)]);
}

/** A chunked body of `data` in pieces of `size` bytes, with an extension on the first chunk and a trailer. */
export function chunked(data: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let p = 0, i = 0; p < data.length; p += size, i++) {
    const piece = data.subarray(p, Math.min(data.length, p + size));
    parts.push(Buffer.from(`${piece.length.toString(16)}${i === 0 ? ';name=value' : ''}\r\n`, 'latin1'), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\nX-Trailer: 1\r\n\r\n', 'latin1'));
  return Buffer.concat(parts);
}
