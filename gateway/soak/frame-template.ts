// A pre-built Ethernet/IPv4 frame that the soak generator patches in place (addresses, ports,
// sequence numbers, DNS labels) instead of building a new one per packet. Every write keeps the
// IPv4 header checksum and the TCP or ICMP checksum right by incremental update (RFC 1624 eqn. 3).

/** Offsets of the fields the generator patches, for an untagged Ethernet II + 20-byte IPv4 header. */
export const AT = {
  ETH_DST: 0,
  ETH_SRC: 6,
  IP_ID: 18,
  IP_SRC: 26,
  IP_DST: 30,
  /** First byte after the IPv4 header: TCP/UDP source port, ICMP type. */
  L4: 34,
  SPORT: 34,
  DPORT: 36,
  TCP_SEQ: 38,
  TCP_ACK: 42,
  ICMP_ID: 38,
  ICMP_SEQ: 40,
  /** First byte of a UDP payload. */
  UDP_DATA: 42,
} as const;

const IP_OFF = 14;
const ETHERTYPE_IPV4 = 0x0800;

/** RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), one's complement, for a 16-bit word m → m'. */
function fixChecksum(b: Buffer, at: number, oldWord: number, newWord: number): void {
  const hc = (b[at]! << 8) | b[at + 1]!;
  let s = (~hc & 0xffff) + (~oldWord & 0xffff) + newWord;
  s = (s & 0xffff) + (s >>> 16);
  s = (s & 0xffff) + (s >>> 16);
  const r = ~s & 0xffff;
  b[at] = r >>> 8;
  b[at + 1] = r & 0xff;
}

/**
 * One frame and where its checksums are. Built once from builder output; then only written
 * through `u8`/`u16`/`u32`/`mac`/`base36`, which update the checksums covering the bytes changed.
 * A UDP template should carry checksum 0 (RFC 768: none), which is left alone.
 */
export class FrameTemplate {
  readonly buf: Buffer;
  /** Bytes on the wire (capture length = original length). */
  readonly length: number;
  /** Offset of the IPv4 header checksum, or -1 for a frame that is not IPv4. */
  private readonly ipSum: number;
  /** Offset of the transport checksum, or -1 when there is none to keep. */
  private readonly l4Sum: number;
  /** Whether the transport checksum covers the addresses (TCP, UDP pseudo-header), not only the segment (ICMP). */
  private readonly pseudo: boolean;
  private readonly l4Off: number;
  private readonly ipEnd: number;

  constructor(frame: Buffer) {
    this.buf = Buffer.from(frame);
    this.length = frame.length;
    const ipv4 = frame.length >= IP_OFF + 20 && frame.readUInt16BE(12) === ETHERTYPE_IPV4;
    if (!ipv4) {
      this.ipSum = this.l4Sum = -1;
      this.pseudo = false;
      this.l4Off = this.ipEnd = frame.length;
      return;
    }
    this.ipSum = IP_OFF + 10;
    this.l4Off = IP_OFF + (frame[IP_OFF]! & 0x0f) * 4;
    this.ipEnd = Math.min(frame.length, IP_OFF + frame.readUInt16BE(IP_OFF + 2));
    const proto = frame[IP_OFF + 9]!;
    const sumAt = proto === 6 ? this.l4Off + 16 : proto === 17 ? this.l4Off + 6 : proto === 1 ? this.l4Off + 2 : -1;
    const present = sumAt >= 0 && sumAt + 2 <= this.ipEnd && (proto !== 17 || frame.readUInt16BE(sumAt) !== 0);
    this.l4Sum = present ? sumAt : -1;
    this.pseudo = proto !== 1;
  }

  /** Writes the 16-bit word at an even offset and updates the checksums that cover it. */
  private word(o: number, v: number): void {
    const b = this.buf;
    const old = (b[o]! << 8) | b[o + 1]!;
    if (old === v) return;
    b[o] = v >>> 8;
    b[o + 1] = v & 0xff;
    if (this.ipSum < 0 || o < IP_OFF) return;
    if (o < this.l4Off) {
      fixChecksum(b, this.ipSum, old, v);
      // The pseudo-header holds the source and destination addresses (RFC 9293 §3.1, RFC 768).
      if (this.pseudo && this.l4Sum >= 0 && o >= IP_OFF + 12 && o < IP_OFF + 20) fixChecksum(b, this.l4Sum, old, v);
    } else if (o < this.ipEnd && this.l4Sum >= 0) {
      fixChecksum(b, this.l4Sum, old, v);
    }
  }

  /** One byte. Words start at even offsets: the Ethernet header is 14 bytes and IPv4 headers are whole words. */
  u8(o: number, v: number): void {
    const b = this.buf;
    if ((o & 1) === 0) this.word(o, ((v & 0xff) << 8) | b[o + 1]!);
    else this.word(o - 1, (b[o - 1]! << 8) | (v & 0xff));
  }

  u16(o: number, v: number): void {
    if ((o & 1) === 0) this.word(o, v & 0xffff);
    else {
      this.u8(o, (v >>> 8) & 0xff);
      this.u8(o + 1, v & 0xff);
    }
  }

  /** A 32-bit value, given as uint32 or int32 (the same bits). */
  u32(o: number, v: number): void {
    this.u16(o, (v >>> 16) & 0xffff);
    this.u16(o + 2, v & 0xffff);
  }

  /** A MAC as its first two octets and last four (callers keep numbers in int32 range, so V8 never boxes them). */
  mac(o: number, hi16: number, lo32: number): void {
    this.u16(o, hi16 & 0xffff);
    this.u32(o + 2, lo32);
  }

  /** `n` as `width` lowercase base-36 digits (most significant first, zero-padded): a name label that changes. */
  base36(o: number, n: number, width: number): void {
    let x = Math.floor(n);
    for (let i = width - 1; i >= 0; i--) {
      const d = x % 36;
      x = Math.floor(x / 36);
      this.u8(o + i, d < 10 ? 0x30 + d : 0x57 + d);
    }
  }

  /** Offset of the first occurrence of `marker` at or after `from`; throws when absent (a template bug). */
  find(marker: Buffer | string, from = 0): number {
    const at = this.buf.indexOf(marker, from);
    if (at < 0) throw new Error(`soak template: marker ${String(marker)} not found`);
    return at;
  }
}
