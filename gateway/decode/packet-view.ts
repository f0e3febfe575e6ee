// The reused packet view: one object per pipeline, refilled by the decoders for every frame, so
// the hot path allocates nothing per packet. Fields hold numbers and offsets into `buf`, never
// copies; a consumer that keeps a value beyond the current packet must copy it.

/** IP address family as the view records it. */
export const enum Family {
  None = 0,
  V4 = 4,
  V6 = 6,
}

/** The decoded headers of the current frame. Offsets are into `buf`; -1 means absent. */
export class PacketView {
  /** Buffer that holds the frame (shared with the capture reader; valid only for this packet). */
  buf: Buffer = Buffer.alloc(0);
  /** Offset of the first byte of the frame in `buf`. */
  frameOff = 0;
  /** Bytes captured. */
  capLen = 0;
  /** Bytes on the wire. */
  origLen = 0;
  /** Packet time, microseconds since the Unix epoch. */
  ts = 0;
  /** Link type of the frame (LINKTYPE_* of the pcap spec). */
  linkType = 0;
  /** Capture interface index (pcapng) or 0. */
  ifIndex = 0;

  // ---- link layer
  /** Destination and source MAC as 48-bit integers; -1 when the link has no MAC (raw IP, loopback). */
  dstMac = -1;
  srcMac = -1;
  /** Outermost 802.1Q VLAN id, or -1. */
  vlan = -1;
  /** Ethertype of the network layer after any VLAN tags (or the SLL protocol). */
  etherType = 0;
  /** Offset of the network layer header. */
  l3Off = -1;

  // ---- ARP (valid when etherType === 0x0806)
  arpOp = 0;
  arpSenderMac = -1;
  arpSenderIp = 0;
  arpTargetMac = -1;
  arpTargetIp = 0;

  // ---- IP
  /** 4, 6, or 0 when the frame carries no IP. */
  family: Family = Family.None;
  /** IP protocol (IPv6: the upper-layer protocol after extension headers). */
  ipProto = -1;
  ttl = 0;
  /** Addresses as 32-bit words, network order: IPv4 uses word 0 only (others 0). */
  src0 = 0; src1 = 0; src2 = 0; src3 = 0;
  dst0 = 0; dst1 = 0; dst2 = 0; dst3 = 0;
  /** Bytes of the IP packet as the header declares it (header + payload). */
  ipLen = 0;
  /** True for any fragment; only the first fragment (offset 0) carries transport headers. */
  isFragment = false;
  /** Fragment offset in bytes. */
  fragOffset = 0;
  /** Offset of the transport header, and where the IP payload ends. */
  l4Off = -1;
  l4End = -1;

  // ---- transport
  srcPort = -1;
  dstPort = -1;
  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80). */
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  /** ICMP/ICMPv6 type and code, or -1. */
  icmpType = -1;
  icmpCode = -1;
  /** Offset and length of the transport payload (application bytes). */
  payloadOff = -1;
  payloadLen = 0;

  /** 0, or the code of the decode event that stopped decoding this frame. */
  event = 0;

  // ---- ICMP query messages (echo, timestamp, address mask, information: RFC 792, RFC 950; ICMPv6
  // echo: RFC 4443 §4), whose second word is an identifier and a sequence number. -1 otherwise.
  /** Identifier of an ICMP/ICMPv6 query or its reply, or -1. */
  icmpId = -1;
  /** Sequence number of an ICMP/ICMPv6 query or its reply, or -1. */
  icmpSeq = -1;

  /**
   * Clears the per-packet fields whose value says whether a layer is present (-1, 0 or false), so
   * that nothing of the previous frame shows through. Fields read only once their layer decoded
   * (TCP sequence numbers and window, the ARP pairs) are left as they are: the next decode of that
   * layer overwrites them.
   */
  reset(): void {
    this.dstMac = -1; this.srcMac = -1; this.vlan = -1; this.etherType = 0; this.l3Off = -1;
    this.arpOp = 0;
    this.family = Family.None; this.ipProto = -1; this.ttl = 0;
    this.src0 = 0; this.src1 = 0; this.src2 = 0; this.src3 = 0;
    this.dst0 = 0; this.dst1 = 0; this.dst2 = 0; this.dst3 = 0;
    this.ipLen = 0; this.isFragment = false; this.fragOffset = 0; this.l4Off = -1; this.l4End = -1;
    this.srcPort = -1; this.dstPort = -1; this.tcpFlags = 0; this.icmpType = -1; this.icmpCode = -1;
    this.payloadOff = -1; this.payloadLen = 0;
    this.event = 0;
    this.icmpId = -1; this.icmpSeq = -1;
  }
}
