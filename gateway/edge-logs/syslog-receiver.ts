// The syslog listeners, UDP (RFC 5426) and TCP (RFC 6587), handing each line and its source address
// to a callback, and counting receipts, kernel drops and faults so every line sent is accounted for.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { EventLog } from '../common/event-log.js';
import type { EdgeLogsConfig } from './edge-logs-config.js';
import { FRAMING_EVENT_LIST, type FramingEvent } from './edge-log-events.js';
import { SyslogDeframer } from './syslog-framing.js';
import { readUdpKernelDrops, udpSocketInode, type UdpSocketKey } from './udp-kernel-drops.js';

/** Receives one syslog line. `truncated`: the line was longer than maxLineBytes and was cut. */
export type SyslogLineHandler = (line: string, sourceIp: string, transport: 'udp' | 'tcp', truncated: boolean) => void;

/** Settings of the receiver: the `edgeLogs` config keys of the same names (ports 0: any free port, read back from `start()`). */
export type SyslogReceiverOptions = Pick<EdgeLogsConfig,
  'host' | 'udp' | 'tcp' | 'udpPort' | 'tcpPort' | 'maxLineBytes' | 'maxTcpConnections' | 'tcpIdleSeconds' | 'udpRecvBufferBytes'> & {
  onLine: SyslogLineHandler;
  log?: EventLog;
};

/** Counters of the receiver. */
export interface SyslogReceiverStats {
  udpReceived: number;
  /** TCP messages (frames) received. */
  tcpReceived: number;
  /** Lines cut at maxLineBytes (both transports). */
  truncated: number;
  /** UDP datagrams the kernel dropped on this socket (receive buffer full); 0 when unknown. */
  kernelDrops: number;
  /** Whether `kernelDrops` could be read (Linux /proc/net/udp). */
  kernelDropsKnown: boolean;
  /** Receive buffer the kernel granted the UDP socket, bytes (Linux reports twice the usable size). */
  udpRecvBufferBytes: number;
  tcpOpen: number;
  tcpAccepted: number;
  /** Connections refused at maxTcpConnections. */
  tcpRefused: number;
  tcpIdleClosed: number;
  tcpErrors: number;
  /** Framing anomalies of all TCP connections, by name. */
  framing: Record<FramingEvent, number>;
  /** Lines whose handler threw. */
  handlerErrors: number;
}

/** Source address as text; IPv4-mapped IPv6 ('::ffff:10.0.0.5', from a dual-stack socket) as IPv4. */
export function sourceAddress(addr: string | undefined): string {
  if (addr === undefined) return '';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** The UDP and TCP syslog listeners. */
export class SyslogReceiver {
  private udp: UdpSocket | null = null;
  private tcp: Server | null = null;
  private udpKey: UdpSocketKey | null = null;
  private readonly open = new Map<Socket, SyslogDeframer>();
  /** Framing counts of connections already closed. */
  private readonly framingDone: Record<FramingEvent, number>;
  private counters = { udpReceived: 0, tcpReceived: 0, truncated: 0, tcpAccepted: 0, tcpRefused: 0, tcpIdleClosed: 0, tcpErrors: 0, handlerErrors: 0 };
  private grantedBuffer = 0;
  private closedKernelDrops: number | null = null;

  constructor(private readonly opts: SyslogReceiverOptions) {
    this.framingDone = Object.fromEntries(FRAMING_EVENT_LIST.map(([n]) => [n, 0])) as Record<FramingEvent, number>;
  }

  /** Binds the enabled listeners; resolves with the bound ports (null for a disabled one). */
  async start(): Promise<{ udpPort: number | null; tcpPort: number | null }> {
    try {
      if (this.opts.udp) await this.startUdp();
      if (this.opts.tcp) await this.startTcp();
    } catch (err) {
      await this.close();
      throw err;
    }
    return { udpPort: this.udpPort, tcpPort: this.tcpPort };
  }

  /** Bound UDP port, or null. */
  get udpPort(): number | null {
    return this.udpKey?.port ?? null;
  }

  /** Bound TCP port, or null. */
  get tcpPort(): number | null {
    const a = this.tcp?.address();
    return a !== null && typeof a === 'object' ? a.port : null;
  }

  /** UDP datagrams the kernel dropped on this socket so far; null when that cannot be read. */
  kernelDrops(): number | null {
    if (this.udpKey === null) return this.closedKernelDrops;
    return readUdpKernelDrops(this.udpKey);
  }

  stats(): SyslogReceiverStats {
    const framing = { ...this.framingDone };
    for (const d of this.open.values()) for (const k of Object.keys(framing) as FramingEvent[]) framing[k] += d.events[k];
    const drops = this.kernelDrops();
    return {
      ...this.counters, kernelDrops: drops ?? 0, kernelDropsKnown: drops !== null, udpRecvBufferBytes: this.grantedBuffer,
      tcpOpen: this.open.size, framing,
    };
  }

  /** Stops listening, closes open connections, and resolves when both servers are closed. */
  async close(): Promise<void> {
    const udp = this.udp, tcp = this.tcp;
    // The kernel's count goes with the socket: keep the last reading for stats after stop.
    if (this.udpKey !== null) this.closedKernelDrops = readUdpKernelDrops(this.udpKey);
    this.udp = null;
    this.tcp = null;
    this.udpKey = null;
    const done: Promise<void>[] = [];
    if (udp) done.push(new Promise((resolve) => { try { udp.close(() => resolve()); } catch { resolve(); } }));
    if (tcp) {
      done.push(new Promise((resolve) => tcp.close(() => resolve())));
      for (const s of this.open.keys()) s.destroy();
    }
    await Promise.all(done);
  }

  private deliver(line: string, ip: string, transport: 'udp' | 'tcp', truncated: boolean): void {
    if (truncated) this.counters.truncated++;
    try {
      this.opts.onLine(line, ip, transport, truncated);
    } catch (err) {
      // A failing consumer (a full disk) must not take the listener down; say so at 1, 2, 4, 8… failures.
      const n = ++this.counters.handlerErrors;
      if ((n & (n - 1)) === 0) this.opts.log?.('edge-logs.handler-error', { count: n, error: String(err) });
    }
  }

  private startUdp(): Promise<void> {
    const family = isIPv6(this.opts.host) ? 6 : 4;
    const sock = createSocket({ type: family === 6 ? 'udp6' : 'udp4', recvBufferSize: this.opts.udpRecvBufferBytes });
    this.udp = sock;
    const max = this.opts.maxLineBytes;
    sock.on('message', (msg, rinfo) => {
      this.counters.udpReceived++;
      const cut = msg.length > max;
      this.deliver((cut ? msg.subarray(0, max) : msg).toString('utf8'), sourceAddress(rinfo.address), 'udp', cut);
    });
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ port: this.opts.udpPort, address: this.opts.host }, () => {
        sock.off('error', reject);
        sock.on('error', (err) => this.opts.log?.('edge-logs.udp-error', { error: String(err) }));
        const a = sock.address();
        this.udpKey = { inode: udpSocketInode(sock), family, port: a.port, address: a.address };
        this.grantedBuffer = sock.getRecvBufferSize();
        // Linux caps SO_RCVBUF at net.core.rmem_max (and reports double what it set).
        if (this.grantedBuffer < this.opts.udpRecvBufferBytes) {
          this.opts.log?.('edge-logs.udp-buffer-small', { requested: this.opts.udpRecvBufferBytes, granted: this.grantedBuffer, hint: 'raise net.core.rmem_max' });
        }
        resolve();
      });
    });
  }

  private startTcp(): Promise<void> {
    const server = createServer({ noDelay: true }, (s) => this.accept(s));
    server.maxConnections = this.opts.maxTcpConnections;
    server.on('drop', () => { this.counters.tcpRefused++; });
    this.tcp = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.opts.tcpPort, host: this.opts.host }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.opts.log?.('edge-logs.tcp-error', { error: String(err) }));
        resolve();
      });
    });
  }

  private accept(s: Socket): void {
    this.counters.tcpAccepted++;
    const ip = sourceAddress(s.remoteAddress);
    const deframer = new SyslogDeframer(this.opts.maxLineBytes, (frame, truncated) => {
      this.counters.tcpReceived++;
      this.deliver(frame.toString('utf8'), ip, 'tcp', truncated);
    });
    this.open.set(s, deframer);
    s.setKeepAlive(true);
    s.setTimeout(this.opts.tcpIdleSeconds * 1000, () => {
      this.counters.tcpIdleClosed++;
      s.destroy();
    });
    s.on('data', (chunk: Buffer) => deframer.push(chunk));
    s.on('end', () => { deframer.end(); s.end(); });
    s.on('error', () => { this.counters.tcpErrors++; });
    s.on('close', () => {
      if (!this.open.has(s)) return;
      deframer.end(); // a connection cut (idle, error, shutdown) still delivers its last line
      this.open.delete(s);
      for (const k of Object.keys(this.framingDone) as FramingEvent[]) this.framingDone[k] += deframer.events[k];
    });
  }
}
