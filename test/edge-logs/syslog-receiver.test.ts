// The syslog receiver over real sockets on loopback (ephemeral ports), wired as the daemon wires it
// (EdgeLogService: receiver → ingest → SQLite): every TCP line stored; every UDP datagram stored or
// counted as dropped (by the kernel, or by the rate limit); malformed lines kept raw.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EDGE_LOGS_DEFAULTS, type EdgeLogsConfig } from '../../gateway/edge-logs/edge-logs-config.js';
import { EdgeLogService } from '../../gateway/edge-logs/edge-log-service.js';
import { openDatabase, type Db } from '../../gateway/store/database.js';

const DEVICE = 'aa:bb:cc:00:00:01';
const N = 10_000;

const open: { db: Db; svc: EdgeLogService }[] = [];
afterEach(async () => {
  for (const { db, svc } of open.splice(0)) {
    await svc.stop();
    db.close();
  }
});

async function service(over: Partial<EdgeLogsConfig> = {}): Promise<EdgeLogService> {
  const db = openDatabase(':memory:');
  const cfg: EdgeLogsConfig = { ...EDGE_LOGS_DEFAULTS, host: '127.0.0.1', udpPort: 0, tcpPort: 0, ratePerSecond: 1e6, burst: 1e6, ...over };
  const svc = new EdgeLogService(db, cfg, { resolveDevice: (ip) => (ip === '127.0.0.1' || ip === '::1' ? DEVICE : null) });
  open.push({ db, svc });
  await svc.start();
  return svc;
}

/** Waits for `cond`; the deadline only turns a hang into a failure. */
async function until(cond: () => boolean, what: () => string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Opens a TCP connection, writes `chunks`, half-closes, and resolves when the server closed too. */
function sendTcp(port: number, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s: Socket = connect({ host: '127.0.0.1', port }, () => {
      for (const c of chunks) s.write(c);
      s.end();
    });
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

/** Splits `buf` into pieces of varying size, so frames straddle chunk boundaries. */
function pieces(buf: Buffer, seed: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0, x = seed;
  while (at < buf.length) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const n = 1 + (x % 9000);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Sends `lines` as UDP datagrams as fast as the socket takes them; resolves with how many were sent without error. */
async function sendUdp(port: number, lines: string[], host = '127.0.0.1'): Promise<number> {
  const s: UdpSocket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((r) => s.connect(port, host, () => r()));
  let sent = 0, done = 0;
  await new Promise<void>((resolve) => {
    for (const line of lines) {
      s.send(line, (err) => {
        if (!err) sent++;
        if (++done === lines.length) resolve();
      });
    }
  });
  await new Promise<void>((r) => s.close(() => r()));
  return sent;
}

const counted = (msg: string): string => `${Buffer.byteLength(msg)} ${msg}`;

describe('syslog receiver on loopback', () => {
  it('stores all of 10,000 lines sent over 4 TCP connections (octet-counted, LF and CRLF framed)', async () => {
    const svc = await service();
    const port = svc.ports().tcp!;
    const per = N / 4;
    const streams = [0, 1, 2, 3].map((c) => {
      let text = '';
      for (let i = 0; i < per; i++) {
        if (c < 2) text += counted(`<14>1 2026-03-01T12:00:00.000Z dev${c} app ${c} - - conn${c} line ${i}`);
        else text += `<14>Mar  1 12:00:00 dev${c} app[${c}]: conn${c} line ${i}${c === 3 ? '\r\n' : '\n'}`;
      }
      return Buffer.from(text);
    });
    await Promise.all(streams.map((b, c) => sendTcp(port, pieces(b, c + 1))));
    await until(() => svc.ingest.stats().received === N, () => JSON.stringify(svc.stats()));
    expect(svc.store.count()).toBe(N);
    const db = (open.at(-1)!).db;
    expect((db.prepare('SELECT count(DISTINCT message) AS n FROM edge_logs').get() as { n: number }).n).toBe(N);
    expect(svc.ingest.stats()).toMatchObject({ received: N, stored: N, droppedRateLimit: 0, raw: 0, parsed: { rfc5424: N / 2, rfc3164: N / 2 } });
    expect(svc.store.query({ q: 'conn3 line 2499' })).toMatchObject([{ device: DEVICE, sourceIp: '127.0.0.1', host: 'dev3', app: 'app', procId: '3', transport: 'tcp' }]);
    const r = svc.receiver!.stats();
    expect(r).toMatchObject({ tcpReceived: N, tcpAccepted: 4, tcpOpen: 0 });
    expect(Object.values(r.framing).every((n) => n === 0)).toBe(true);
  });

  it('10,000 UDP datagrams sent as fast as possible: stored + dropped = sent', async () => {
    const svc = await service();
    const lines = Array.from({ length: N }, (_, i) => `<11>1 - dev app - - - udp line ${i}`);
    const sent = await sendUdp(svc.ports().udp!, lines);
    expect(sent).toBe(N);
    const acct = () => { const s = svc.ingest.stats(); return { received: s.received, stored: s.stored, kernel: s.droppedKernel, limited: s.droppedRateLimit }; };
    await until(() => acct().received + acct().kernel === sent, () => JSON.stringify(acct()));
    const a = acct();
    expect(a.limited).toBe(0);
    expect(svc.store.count() + a.kernel).toBe(sent);
    expect(svc.receiver!.stats().kernelDropsKnown).toBe(true);
  });

  it('counts what the kernel dropped when the receive buffer is tiny: stored + kernel drops = sent', async () => {
    const svc = await service({ udpRecvBufferBytes: 4096 });
    const lines = Array.from({ length: N }, (_, i) => `<14>Mar  1 12:00:00 dev app: tiny buffer ${i}`);
    const sent = await sendUdp(svc.ports().udp!, lines);
    await until(() => svc.ingest.stats().received + svc.ingest.stats().droppedKernel === sent, () => JSON.stringify(svc.stats()));
    const s = svc.ingest.stats();
    expect(s.droppedKernel).toBeGreaterThan(0);
    expect(svc.store.count() + s.droppedKernel).toBe(sent);
  });

  it('with a low rate limit: stored + rate-limited + kernel drops = sent, and the limit holds exactly', async () => {
    const svc = await service({ ratePerSecond: 0, burst: 100 });
    const lines = Array.from({ length: N }, (_, i) => `<14>1 - dev app - - - limited ${i}`);
    const sent = await sendUdp(svc.ports().udp!, lines);
    await until(() => svc.ingest.stats().received + svc.ingest.stats().droppedKernel === sent, () => JSON.stringify(svc.stats()));
    const s = svc.ingest.stats();
    expect(svc.store.count()).toBe(100);
    expect(svc.store.count() + s.droppedRateLimit + s.droppedKernel).toBe(sent);
    expect(svc.ingest.limiter.dropped(DEVICE)).toBe(s.droppedRateLimit);
    expect(svc.dropped()).toBe(s.droppedRateLimit + s.droppedKernel);
  });

  it('the same over TCP: exactly the burst stored, the rest counted as rate-limited', async () => {
    const svc = await service({ ratePerSecond: 0, burst: 500 });
    const text = Array.from({ length: 2000 }, (_, i) => `<14>dev app: tcp limited ${i}\n`).join('');
    await sendTcp(svc.ports().tcp!, [Buffer.from(text)]);
    await until(() => svc.ingest.stats().received === 2000, () => JSON.stringify(svc.stats()));
    expect(svc.store.count()).toBe(500);
    expect(svc.ingest.stats().droppedRateLimit).toBe(1500);
  });

  it('keeps malformed lines raw over both transports', async () => {
    const svc = await service();
    const bad = ['<999>not a pri', '<34>1 2003-10-11 22:14:15 bad time - - - x', '<14>1 - h a - - [unclosed x="1" y'];
    await sendUdp(svc.ports().udp!, bad.slice(0, 2));
    await sendTcp(svc.ports().tcp!, [Buffer.from(bad.map((l) => l + '\n').join(''))]);
    await until(() => svc.ingest.stats().received === 5, () => JSON.stringify(svc.stats()));
    const raw = svc.store.query({}).filter((r) => r.format === 'raw');
    expect(raw.map((r) => [r.transport, r.raw, r.severity]).sort()).toEqual([
      ['tcp', bad[0], null], ['tcp', bad[1], null], ['tcp', bad[2], null], ['udp', bad[0], null], ['udp', bad[1], null],
    ].sort());
    expect(svc.ingest.stats().failures).toMatchObject({ 'syslog.bad_pri': 2, 'rfc5424.bad_timestamp': 2, 'rfc5424.bad_structured_data': 1 });
  });

  it('cuts long lines at maxLineBytes on both transports and flags them', async () => {
    const svc = await service({ maxLineBytes: 64 });
    const long = '<14>1 - h a - - - ' + 'L'.repeat(200);
    await sendUdp(svc.ports().udp!, [long]);
    await sendTcp(svc.ports().tcp!, [Buffer.from(long + '\n' + counted(long) + '<14>after\n')]);
    await until(() => svc.ingest.stats().received === 4, () => JSON.stringify(svc.stats()));
    const rows = svc.store.query({ afterSeq: 0 });
    expect(rows.map((r) => [r.transport, r.raw.length, r.truncated])).toEqual([['udp', 64, true], ['tcp', 64, true], ['tcp', 64, true], ['tcp', 9, false]]);
    expect(svc.receiver!.stats().framing['framing.too_long']).toBe(2);
  });

  it('refuses connections beyond maxTcpConnections and counts them', async () => {
    const svc = await service({ maxTcpConnections: 2 });
    const port = svc.ports().tcp!;
    const held = [connect({ host: '127.0.0.1', port }), connect({ host: '127.0.0.1', port })];
    await until(() => svc.receiver!.stats().tcpOpen === 2, () => JSON.stringify(svc.receiver!.stats()));
    await sendTcp(port, [Buffer.from('<14>refused\n')]);
    await until(() => svc.receiver!.stats().tcpRefused === 1, () => JSON.stringify(svc.receiver!.stats()));
    for (const s of held) s.destroy();
    expect(svc.ingest.stats().received).toBe(0);
  });

  it('closes an idle connection and still delivers its unterminated last line', async () => {
    const svc = await service({ tcpIdleSeconds: 0.1 });
    const closed = new Promise<void>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: svc.ports().tcp! }, () => s.write('<14>half a line'));
      s.on('close', () => resolve());
      s.on('error', () => undefined);
    });
    await closed;
    await until(() => svc.ingest.stats().received === 1, () => JSON.stringify(svc.stats()));
    expect(svc.receiver!.stats().tcpIdleClosed).toBe(1);
    expect(svc.store.query()[0]!.message).toBe('half a line');
  });

  it('listens on IPv6 loopback and counts kernel drops there too', async () => {
    const svc = await service({ host: '::1', udpRecvBufferBytes: 4096 });
    const sent = await sendUdp(svc.ports().udp!, Array.from({ length: 3000 }, (_, i) => `<14>v6 ${i}`), '::1');
    await until(() => svc.ingest.stats().received + svc.ingest.stats().droppedKernel === sent, () => JSON.stringify(svc.stats()));
    expect(svc.ingest.stats().droppedKernel).toBeGreaterThan(0);
    expect(svc.store.query({ limit: 1 })[0]).toMatchObject({ sourceIp: '::1', device: DEVICE });
  });

  it('a taken port fails start and leaves nothing listening', async () => {
    const first = await service();
    const db = openDatabase(':memory:');
    const second = new EdgeLogService(db, { ...EDGE_LOGS_DEFAULTS, udpPort: 0, tcpPort: first.ports().tcp! }, { resolveDevice: () => null });
    await expect(second.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(second.ports()).toEqual({ udp: null, tcp: null });
    db.close();
  });
});

describe('EdgeLogService API side', () => {
  it('pages newest first with a cursor and ingests JSON with a token-bound device', async () => {
    const svc = await service({ udp: false, tcp: false });
    expect(svc.ports()).toEqual({ udp: null, tcp: null });
    const r = svc.ingestJson([{ message: 'one', severity: 'error' }, { message: 'two' }, { message: 'three' }], '192.0.2.9', 'aa:bb:cc:00:00:07');
    expect(r).toEqual({ ok: true, accepted: 3, dropped: 0 });
    const p1 = svc.logs({ limit: 2 });
    expect(p1.items.map((x) => [x.message, x.device])).toEqual([['three', 'aa:bb:cc:00:00:07'], ['two', 'aa:bb:cc:00:00:07']]);
    const p2 = svc.logs({ limit: 2, before: p1.next! });
    expect(p2).toMatchObject({ items: [{ message: 'one' }], next: null });
    expect(svc.ingestJson({ nope: 1 }, '192.0.2.9')).toMatchObject({ ok: false, errors: [{ code: 'json.unknown_key' }, { code: 'json.missing' }] });
  });
});
