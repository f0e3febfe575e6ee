// Capture on alert (config `privacy.captureOnAlert`, off by default): the frame during which a new
// alert was raised is written to `<dataDir>/alert-captures/<alert id>.pcap`, so an analyst can open
// the packet behind the alert in Wireshark. This is the one place payload bytes are kept, and only
// when an operator turns it on (README "Privacy"). Bounded: at `captureOnAlertFiles` the oldest
// file goes. The packet path pays a few field assignments per frame while it is on, nothing while it is off.
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onePacketPcap } from '../capture/pcap-writer.js';
import type { FrameSink } from '../capture/frame-source.js';
import type { EventLog } from '../common/event-log.js';
import { storageFault } from '../store/storage-guard.js';
import { ipv4ToString, ipv6ToString } from '../common/address-text.js';
import { Family, type PacketView } from '../decode/packet-view.js';
import type { Alert } from '../alerts/alert.js';

/** A capture file's name: the alert id (16 hex digits) and `.pcap`. */
const FILE_NAME = /^[0-9a-f]{16}\.pcap$/;

/** Writes the frame of each new alert's first occurrence to its own pcap file. */
export class AlertCapture {
  private buf: Buffer | null = null;
  private off = 0;
  private capLen = 0;
  private origLen = 0;
  private ts = 0;
  private linkType = 1;
  /** Files kept, oldest first (file names). */
  private readonly files: string[] = [];

  /** `view`: the sensor's decoded view of the frame being processed (the pipeline's PacketView). */
  constructor(readonly dir: string, private readonly maxFiles: number, private readonly log: EventLog, private readonly view: () => PacketView) {
    mkdirSync(dir, { recursive: true });
    // A restart keeps the bound over the files an earlier run wrote, oldest first.
    const old = readdirSync(dir).filter((f) => FILE_NAME.test(f)).map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs })).sort((a, b) => a.t - b.t);
    for (const { f } of old) this.files.push(f);
    this.trim();
  }

  /** Wraps `sink`: the frame being processed is at hand while the sensor (and so the alert manager) works on it. */
  wrap(sink: FrameSink): FrameSink {
    return (buf, off, capLen, origLen, ts, linkType, ifIndex) => {
      this.buf = buf; this.off = off; this.capLen = capLen; this.origLen = origLen; this.ts = ts; this.linkType = linkType;
      try {
        sink(buf, off, capLen, origLen, ts, linkType, ifIndex);
      } finally {
        // The source reuses its buffer: outside the call the bytes are another frame's.
        this.buf = null;
      }
    };
  }

  /**
   * A new alert: the frame being processed goes to `<id>.pcap` when it is the alert's evidence — its
   * time is the alert's first occurrence, or it is a packet of the alert's flow (a download found in
   * a later segment of the stream). An alert raised at a timer or at another flow's end while this
   * frame passed (a finding closed on a quiet link) has no frame of its own.
   */
  onNewAlert(a: Alert): void {
    // No frame at hand (a tick, a worker, the API) or not this alert's: nothing to keep.
    if (this.buf === null || !this.isEvidence(a)) return;
    const id = a.id;
    const name = `${id}.pcap`;
    if (!FILE_NAME.test(name)) return;
    try {
      writeFileSync(join(this.dir, name), onePacketPcap(this.buf.subarray(this.off, this.off + this.capLen), this.ts, this.origLen, this.linkType));
    } catch (e) {
      // No room: logged, not retried.
      if (storageFault(e) === null) throw e;
      rmSync(join(this.dir, name), { force: true });
      this.log('alert-capture.write-failed', { alert: id, code: (e as { code?: string }).code ?? null });
      return;
    }
    this.files.push(name);
    this.trim();
  }

  /** The capture file of an alert, or null. */
  pathOf(id: string): string | null {
    const name = `${id}.pcap`;
    return FILE_NAME.test(name) && this.files.includes(name) ? join(this.dir, name) : null;
  }

  private isEvidence(a: Alert): boolean {
    if (Math.floor(this.ts / 1000) === Date.parse(a.firstTs)) return true;
    const pv = this.view();
    if (pv.family === Family.None || pv.ts !== this.ts) return false;
    const src = pv.family === Family.V4 ? ipv4ToString(pv.src0) : ipv6ToString(pv.src0, pv.src1, pv.src2, pv.src3);
    const dst = pv.family === Family.V4 ? ipv4ToString(pv.dst0) : ipv6ToString(pv.dst0, pv.dst1, pv.dst2, pv.dst3);
    const port = (p: number) => (p < 0 ? null : p);
    const ports = (x: number | null, y: number | null) => a.sport === null || (a.sport === x && a.dport === y);
    return (src === a.src && dst === a.dst && ports(port(pv.srcPort), port(pv.dstPort)))
      || (src === a.dst && dst === a.src && ports(port(pv.dstPort), port(pv.srcPort)));
  }

  private trim(): void {
    while (this.files.length > this.maxFiles) rmSync(join(this.dir, this.files.shift()!), { force: true });
  }
}
