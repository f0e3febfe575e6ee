// Live capture on the loopback interface through edgeward's capture addon: exact frames under a BPF
// filter, libpcap's own timestamps and wire lengths, a throwing sink, stop() inside the sink,
// ring and kernel drops counted, an interface that disappears (a veth pair), and 100,000+
// packets under forced GC.
// Needs root and the built addon; skipped otherwise, with the reason in the title.
import { execFileSync, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { LINKTYPE_ETHERNET } from '../../gateway/capture/link-types.js';
import { VethPair } from '../../gateway/cli/veth-pair.js';
import { LiveSource, captureUnavailableReason } from '../../gateway/capture/live-source.js';

const unavailable = captureUnavailableReason();
const isRoot = process.getuid?.() === 0;
const skipReason = unavailable ?? (!isRoot ? 'opening an interface needs root (CAP_NET_RAW); run the tests as root' : null);

const ETH_HLEN = 14;
const ETHERTYPE_IPV4 = 0x0800;
const IPPROTO_UDP = 17;
const UDP_HLEN = 8;
/** Ethernet + IPv4 (no options) + UDP headers of the datagrams sent here, bytes. */
const HEADERS = ETH_HLEN + 20 + UDP_HLEN;

/** A UDP/IPv4 datagram inside an Ethernet frame (lo on Linux is DLT_EN10MB with zero MACs), or null. */
function udpOf(buf: Buffer, off: number, len: number): { dport: number; payload: Buffer } | null {
  if (len < ETH_HLEN + 20 || buf.readUInt16BE(off + 12) !== ETHERTYPE_IPV4) return null;
  const ip = off + ETH_HLEN;
  const ihl = (buf[ip]! & 0x0f) * 4;
  if (buf[ip]! >> 4 !== 4 || buf[ip + 9] !== IPPROTO_UDP || len < ETH_HLEN + ihl + UDP_HLEN) return null;
  const udp = ip + ihl;
  const udpLen = buf.readUInt16BE(udp + 4);
  if (udpLen < UDP_HLEN || udp + udpLen > off + len) return null;
  return { dport: buf.readUInt16BE(udp + 2), payload: buf.subarray(udp + UDP_HLEN, udp + udpLen) };
}

/** A UDP socket bound to a free loopback port, so that no other test sends to "our" port. */
async function boundSocket(): Promise<{ sock: dgram.Socket; port: number }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return { sock, port: sock.address().port };
}

function send(sock: dgram.Socket, payload: Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) => sock.send(payload, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Turns the event loop until `cond` holds or `ms` pass. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) return false;
    await new Promise((r) => setImmediate(r));
  }
  return true;
}

/** A full GC when it can be had (`--expose-gc` set at run time), else null. */
function exposeGc(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    return null;
  }
}

/** Sends `count` datagrams of `size` bytes to 127.0.0.1:`port` from a child process; resolves to how many were sent. */
function sendFromChild(port: number, count: number, size: number): Promise<number> {
  const script = `
    const s = require('node:dgram').createSocket('udp4');
    const p = Buffer.alloc(${size}, 0x5a);
    let ok = 0, done = 0;
    for (let i = 0; i < ${count}; i++) s.send(p, ${port}, '127.0.0.1', (e) => { if (!e) ok++; if (++done === ${count}) { process.stdout.write(String(ok)); s.close(); } });
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`sender exited ${code}`))));
  });
}

describe.skipIf(skipReason !== null)(`LiveSource on lo${skipReason !== null ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('delivers exactly the datagrams the BPF filter selects, as Ethernet frames with capture time', async () => {
    const target = await boundSocket();
    const other = await boundSocket();
    const sender = dgram.createSocket('udp4');
    const src = new LiveSource({ device: 'lo', filter: `udp and dst port ${target.port}` });
    try {
      const seen: { dport: number; payload: string; capLen: number; origLen: number; ts: number; link: number; ifIndex: number }[] = [];
      let undecoded = 0;
      expect(await src.open()).toBe(LINKTYPE_ETHERNET);
      expect(src.linkTypeName).toBe('EN10MB');
      const done = src.run((buf, off, capLen, origLen, ts, link, ifIndex) => {
        const udp = udpOf(buf, off, capLen);
        if (udp === null) {
          undecoded++;
          return;
        }
        seen.push({ dport: udp.dport, payload: udp.payload.toString('latin1'), capLen, origLen, ts, link, ifIndex });
      });
      const nonce = Math.random().toString(36).slice(2, 10);
      const expected: string[] = [];
      const t0 = Date.now() * 1000;
      for (let i = 0; i < 50; i++) {
        const payload = `edgeward-live-${nonce}-${i}`;
        expected.push(payload);
        await send(sender, Buffer.from(payload, 'latin1'), target.port);
        // Interleaved datagrams to another port: the filter must keep them out.
        if (i % 2 === 0) await send(sender, Buffer.from(`other-${nonce}-${i}`, 'latin1'), other.port);
      }
      const t1 = Date.now() * 1000;
      expect(await until(() => seen.length >= 50, 5000)).toBe(true);
      await sleep(200); // time for any stray frame to show up
      src.stop();
      const stats = await done;

      expect(undecoded).toBe(0);
      expect(seen.map((s) => s.payload)).toEqual(expected); // one socket, one order
      for (const s of seen) {
        expect(s.dport).toBe(target.port);
        expect(s.link).toBe(LINKTYPE_ETHERNET);
        expect(s.ifIndex).toBe(0);
        expect(s.origLen).toBe(s.capLen);
        expect(s.capLen).toBe(HEADERS + s.payload.length);
        // The kernel's receive time lies within the sending loop (1 ms of Date.now() rounding).
        expect(s.ts).toBeGreaterThanOrEqual(t0 - 1000);
        expect(s.ts).toBeLessThanOrEqual(t1 + 1000);
      }
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.ts).toBeGreaterThanOrEqual(seen[i - 1]!.ts);
      expect(stats.frames).toBe(50);
      expect(stats.bytes).toBe(seen.reduce((n, s) => n + s.capLen, 0));
      expect(stats.dropped).toBe(0);
      expect(stats.warnings).toEqual([]);
      const cs = src.captureStats();
      expect(cs).toMatchObject({ captured: 50, ringDropped: 0, kernelDropped: 0, delivered: 50, sinkErrors: 0, capturedBytes: stats.bytes });
    } finally {
      src.stop();
      sender.close();
      target.sock.close();
      other.sock.close();
    }
  });

  it('stamps frames with libpcap capture time, not delivery time: a 300 ms gap shows, however late run() drains', async () => {
    const target = await boundSocket();
    const sender = dgram.createSocket('udp4');
    const src = new LiveSource({ device: 'lo', filter: `udp and dst port ${target.port}` });
    try {
      await src.open();
      const before = Date.now() * 1000;
      await send(sender, Buffer.from('first'), target.port);
      await sleep(300);
      await send(sender, Buffer.from('second'), target.port);
      await sleep(300); // both wait in the ring: no sink yet
      const runAt = Date.now() * 1000;
      const ts: number[] = [];
      const done = src.run((_buf, _off, _capLen, _origLen, t) => ts.push(t));
      expect(await until(() => ts.length >= 2, 5000)).toBe(true);
      src.stop();
      await done;
      expect(ts).toHaveLength(2);
      expect(ts[0]!).toBeGreaterThanOrEqual(before - 1000);
      expect(ts[1]! - ts[0]!).toBeGreaterThanOrEqual(290_000);
      expect(ts[1]!).toBeLessThan(runAt - 200_000); // captured well before it was delivered
    } finally {
      src.stop();
      sender.close();
      target.sock.close();
    }
  });

  it('cuts frames at snaplen, keeps the wire length in origLen and says so once', async () => {
    const target = await boundSocket();
    const sender = dgram.createSocket('udp4');
    const src = new LiveSource({ device: 'lo', filter: `udp and dst port ${target.port}`, snaplen: 60 });
    try {
      const lens: number[][] = [];
      await src.open();
      const done = src.run((_buf, _off, capLen, origLen) => lens.push([capLen, origLen]));
      for (let i = 0; i < 3; i++) await send(sender, Buffer.alloc(200, i), target.port);
      expect(await until(() => lens.length >= 3, 5000)).toBe(true);
      src.stop();
      const stats = await done;
      expect(lens).toEqual([[60, HEADERS + 200], [60, HEADERS + 200], [60, HEADERS + 200]]);
      expect(stats.bytes).toBe(180);
      expect(stats.warnings).toHaveLength(1);
      expect(stats.warnings[0]).toContain('truncated');
    } finally {
      src.stop();
      sender.close();
      target.sock.close();
    }
  });

  it('opens with promiscuous false and immediate true, and captures', async () => {
    const target = await boundSocket();
    const sender = dgram.createSocket('udp4');
    const src = new LiveSource({ device: 'lo', filter: `udp and dst port ${target.port}`, promiscuous: false, immediate: true });
    try {
      let frames = 0;
      const done = src.run(() => frames++);
      await src.open();
      for (let i = 0; i < 10; i++) await send(sender, Buffer.from([i]), target.port);
      expect(await until(() => frames >= 10, 5000)).toBe(true);
      src.stop();
      const stats = await done;
      expect(stats.frames).toBe(10);
      expect(stats.warnings).toEqual([]);
    } finally {
      src.stop();
      sender.close();
      target.sock.close();
    }
  });

  it('a sink that throws loses that frame only: counted, one warning, capture goes on', async () => {
    const target = await boundSocket();
    const sender = dgram.createSocket('udp4');
    const src = new LiveSource({ device: 'lo', filter: `udp and dst port ${target.port}` });
    try {
      await src.open();
      let calls = 0;
      const done = src.run(() => {
        calls++;
        throw new Error('sink failed');
      });
      for (let i = 0; i < 5; i++) await send(sender, Buffer.from([i]), target.port);
      expect(await until(() => calls === 5, 5000)).toBe(true);
      src.stop();
      const stats = await done;
      expect(stats.frames).toBe(5);
      expect(stats.sinkErrors).toBe(5);
      expect(src.captureStats().sinkErrors).toBe(5);
      expect(stats.warnings.filter((w) => w.includes('sink failed'))).toHaveLength(1);
    } finally {
      sender.close();
      target.sock.close();
    }
  });

  it('stop() inside the sink ends run(): no frame after it, stop twice is a no-op', async () => {
    const target = await boundSocket();
    const sender = dgram.createSocket('udp4');
    const src = new LiveSource({ device: 'lo', filter: `udp and dst port ${target.port}` });
    try {
      await src.open();
      // All ten wait in the ring, so the first drain holds them in one batch.
      for (let i = 0; i < 10; i++) await send(sender, Buffer.from([i]), target.port);
      await sleep(100);
      let calls = 0;
      const stats = await src.run(() => {
        calls++;
        if (calls === 3) {
          src.stop();
          src.stop();
        }
      });
      expect(calls).toBe(3);
      expect(stats.frames).toBe(3);
      await sleep(50);
      expect(calls).toBe(3);
      expect(src.captureStats().captured).toBe(10);
    } finally {
      src.stop();
      sender.close();
      target.sock.close();
    }
  });

  it('counts ring drops when JavaScript stalls with a small ring: captured + ringDropped = sent', async () => {
    const target = await boundSocket();
    target.sock.on('message', () => {});
    const src = new LiveSource({ device: 'lo', filter: `udp and dst port ${target.port}`, ringSize: 64 * 1024, snaplen: 128 });
    try {
      await src.open();
      let delivered = 0;
      const done = src.run(() => {
        // The first frames stall the event loop while the sender (another process) goes on.
        if (delivered++ < 3) {
          const end = performance.now() + 200;
          while (performance.now() < end);
        }
      });
      const sent = await sendFromChild(target.port, 5000, 32);
      expect(sent).toBe(5000);
      const settled = () => {
        const c = src.captureStats();
        return c.captured + c.ringDropped >= sent && c.delivered === c.captured;
      };
      expect(await until(settled, 10_000)).toBe(true);
      await sleep(300); // the kernel counters are refreshed every ~100 ms
      const cs = src.captureStats();
      src.stop();
      const stats = await done;
      expect(cs.ringDropped).toBeGreaterThan(0);
      expect(cs.kernelDropped).toBe(0);
      expect(cs.captured + cs.ringDropped).toBe(sent);
      expect(cs.delivered).toBe(cs.captured);
      expect(delivered).toBe(cs.captured);
      expect(cs.capturedBytes).toBe(cs.captured * (HEADERS + 32));
      // lo passes each frame twice through the kernel filter (out and in); libpcap drops the
      // outgoing copy itself, so the kernel saw every datagram, twice.
      expect(cs.received).toBe(2 * sent);
      expect(stats.dropped).toBe(cs.ringDropped);
      expect(stats.frames).toBe(cs.captured);
    } finally {
      src.stop();
      target.sock.close();
    }
  }, 30_000);

  it('counts kernel drops: immediate mode on lo gives 64 KiB slots, so a 1 MiB kernel buffer holds ~16 frames', async () => {
    const target = await boundSocket();
    target.sock.on('message', () => {});
    const src = new LiveSource({ device: 'lo', filter: `udp and dst port ${target.port}`, immediate: true, bufferSize: 1 << 20 });
    try {
      let delivered = 0;
      await src.open();
      const done = src.run(() => delivered++);
      const sent = await sendFromChild(target.port, 5000, 32);
      await sleep(300); // the kernel counters are refreshed every ~100 ms
      const cs = src.captureStats();
      src.stop();
      const stats = await done;
      expect(cs.kernelDropped).toBeGreaterThan(0);
      expect(cs.received).toBe(2 * sent); // lo: out and in, dropped or not
      expect(cs.captured).toBeLessThan(sent);
      expect(stats.dropped).toBe(cs.kernelDropped + cs.ifDropped + cs.ringDropped);
      expect(delivered).toBe(cs.captured);
    } finally {
      src.stop();
      target.sock.close();
    }
  }, 30_000);

  it('rejects run() with capture.open_failed when the interface disappears (a veth pair made and removed here)', async () => {
    const pair = new VethPair('ewls');
    try {
      pair.create();
      const src = new LiveSource({ device: pair.host });
      await src.open();
      const done = src.run(() => {});
      await sleep(100);
      execFileSync('ip', ['link', 'del', pair.host], { stdio: 'pipe' });
      const err = await done.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'capture.open_failed' });
      expect((err as Error).message).toMatch(new RegExp(`^${pair.host}: capture stopped: `));
      src.stop(); // after the failure: a no-op
    } finally {
      pair.destroy();
    }
  });

  it('survives 100,000+ live packets under forced GC', async () => {
    const TOTAL = 120_000;
    const BURST = 500;
    const MAGIC = 0xed9e0a7d;
    const gc = exposeGc();
    const target = await boundSocket();
    target.sock.on('message', () => {}); // the datagrams themselves are not of interest
    const sender = dgram.createSocket('udp4');
    const src = new LiveSource({ device: 'lo', filter: `udp and dst port ${target.port}` });
    const got = new Uint8Array(TOTAL);
    let received = 0;
    let corrupt = 0;
    let garbage: unknown[] = [];
    try {
      await src.open();
      const done = src.run((buf, off, capLen) => {
        const udp = udpOf(buf, off, capLen);
        // A read buffer or ring freed too early shows as bytes that are not what was sent, or as a crash.
        if (udp === null || udp.payload.length !== 8 || udp.payload.readUInt32BE(0) !== MAGIC) {
          corrupt++;
          return;
        }
        const seq = udp.payload.readUInt32BE(4);
        if (seq >= TOTAL || got[seq] !== 0) {
          corrupt++;
          return;
        }
        got[seq] = 1;
        received++;
      });
      let gcs = 0;
      for (let sent = 0; sent < TOTAL; ) {
        const n = Math.min(BURST, TOTAL - sent);
        const sends: Promise<void>[] = [];
        for (let i = 0; i < n; i++) {
          const p = Buffer.allocUnsafe(8);
          p.writeUInt32BE(MAGIC, 0);
          p.writeUInt32BE(sent + i, 4);
          sends.push(send(sender, p, target.port));
        }
        await Promise.all(sends);
        sent += n;
        garbage.push(Buffer.alloc(65535), new Array(256).fill({ sent }));
        if (garbage.length > 64) garbage = [];
        if ((sent / BURST) % 20 === 0) {
          gc?.();
          gcs++;
        }
        await until(() => received + corrupt >= sent, 100);
      }
      await until(() => received + corrupt >= TOTAL, 2000);
      src.stop();
      const stats = await done;
      const cs = src.captureStats();
      const lost = TOTAL - received - corrupt;
      console.log(
        `live lo GC regression: sent ${TOTAL}, received ${received}, lost ${lost} ` +
          `(kernel drops ${cs.kernelDropped}, ring drops ${cs.ringDropped}), corrupt ${corrupt}, ${gcs} forced GCs ` +
          `(${gc ? 'gc exposed' : 'garbage only'})`,
      );
      expect(corrupt).toBe(0);
      expect(received).toBeGreaterThanOrEqual(100_000);
      expect(stats.frames).toBe(received);
      expect(cs.captured).toBe(received);
    } finally {
      src.stop();
      sender.close();
      target.sock.close();
    }
  }, 60_000);
});
