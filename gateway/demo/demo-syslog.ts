// The demo camera's own syslog once the bot runs on it: Mirai's killer takes telnetd's and httpd's
// ports so no other bot gets in, and the camera's watchdog and camera service complain. A real
// camera sends these lines over UDP to the gateway's syslog port, where the receiver hands them to
// the edge-log ingest; the demo has no camera, so a tap on the demo's frames hands each line to the
// same ingest when packet time reaches it, from the camera's address, received at that packet time.
import type { FrameSink } from '../capture/frame-source.js';
import { DEMO_HOSTS, DEMO_LOOP_SECONDS } from './demo-devices.js';
import { ATTACK_TIMES } from './demo-attacks.js';

/** One line the camera sends: when (seconds after the loop's first frame), its syslog severity code and facility, who logs it, and what. */
export interface DemoSyslogLine {
  at: number;
  /** RFC 5424 §6.2.1: 2 critical, 3 error. */
  severity: number;
  /** RFC 5424 §6.2.1: 3 system daemons. */
  facility: number;
  app: string;
  pid: number;
  message: string;
}

/**
 * What the camera logs each loop, after its first C&C check-in (ATTACK_TIMES.beacon). The killer
 * kills whatever holds port 23 (telnetd) and 80 (httpd) and binds them itself (mirai/bot/killer.c),
 * so the watchdog cannot restart them; the bot's memory and CPU starve the camera's own service.
 */
export const CAMERA_SYSLOG: readonly DemoSyslogLine[] = Object.freeze([
  { at: ATTACK_TIMES.beacon + 1, severity: 3, facility: 3, app: 'watchdog', pid: 87, message: 'telnetd (pid 412) killed by signal 9; restart failed: bind 0.0.0.0:23: Address already in use' },
  { at: ATTACK_TIMES.beacon + 1.5, severity: 2, facility: 3, app: 'watchdog', pid: 87, message: 'httpd (pid 298) killed by signal 9; restart failed: bind 0.0.0.0:80: Address already in use; web interface down' },
  { at: ATTACK_TIMES.beacon + 30, severity: 3, facility: 3, app: 'ipcam', pid: 301, message: 'motion clip upload aborted: out of memory (free 1184 kB)' },
]);

/** An RFC 5424 line as the camera's syslogd sends it, stamped by its NTP-set clock (`atMs`). */
export function syslogLine(l: DemoSyslogLine, hostname: string, atMs: number): string {
  // RFC 5424 §6.2.1: PRI = facility × 8 + severity; VERSION 1; NILVALUE for MSGID and STRUCTURED-DATA.
  return `<${l.facility * 8 + l.severity}>1 ${new Date(atMs).toISOString()} ${hostname} ${l.app} ${l.pid} - - ${l.message}`;
}

/** Hands a line to the edge-log ingest as the syslog receiver would: text, source address, receive time. */
export type SyslogDelivery = (line: string, sourceIp: string, receivedAt: Date) => void;

/**
 * Taps the demo's frames: each loop of the capture (DEMO_LOOP_SECONDS long, counted from the first
 * frame the tap sees) delivers CAMERA_SYSLOG in order, each line before the first frame at or after
 * its time, dated by its own time. `lines` defaults to CAMERA_SYSLOG (tests pass others).
 */
export class DemoSyslog {
  /** Lines delivered so far. */
  delivered = 0;
  private firstUs: number | null = null;
  private loop = 0;
  private next = 0;
  private readonly loopUs = DEMO_LOOP_SECONDS * 1e6;

  constructor(private readonly deliver: SyslogDelivery, private readonly lines: readonly DemoSyslogLine[] = CAMERA_SYSLOG) {}

  /** `sink` with the lines delivered in between its frames. */
  tap(sink: FrameSink): FrameSink {
    return (buf, off, capLen, origLen, ts, linkType, ifIndex) => {
      this.advance(ts);
      sink(buf, off, capLen, origLen, ts, linkType, ifIndex);
    };
  }

  /** Delivers every line due at or before packet time `ts` (µs). */
  advance(ts: number): void {
    if (this.lines.length === 0) return;
    this.firstUs ??= ts;
    const cam = DEMO_HOSTS.camera;
    for (;;) {
      const l = this.lines[this.next]!;
      const due = this.firstUs + this.loop * this.loopUs + Math.round(l.at * 1e6);
      if (due > ts) return;
      const ms = Math.floor(due / 1000);
      this.deliver(syslogLine(l, cam.hostname, ms), cam.ip, new Date(ms));
      this.delivered++;
      if (++this.next === this.lines.length) {
        this.next = 0;
        this.loop++;
      }
    }
  }
}
