// The record the DHCPv4 parser emits (RFC 2131/2132), with the options edgeward uses to learn
// and fingerprint devices and option 161, the MUD URL (RFC 8520 §10).

/** One DHCPv4 message. */
export interface DhcpMessage {
  /** 1 request (client to server), 2 reply. */
  op: number;
  xid: number;
  /** Client hardware address as "aa:bb:cc:dd:ee:ff" (Ethernet only), or null. */
  chaddr: string | null;
  /** ciaddr, yiaddr as dotted quads ("0.0.0.0" when unset). */
  ciaddr: string;
  yiaddr: string;
  /** Option 53 (1 DISCOVER, 2 OFFER, 3 REQUEST, 5 ACK, 8 INFORM…), or null. */
  messageType: number | null;
  /** Option 12. */
  hostname: string | null;
  /** Option 50. */
  requestedIp: string | null;
  /** Option 55 parameter request list, in order: the classic DHCP fingerprint. */
  paramList: number[] | null;
  /** Option 60 vendor class identifier. */
  vendorClass: string | null;
  /** Option 61 client identifier as lower-case hex. */
  clientId: string | null;
  /** Option 161 MUD URL (RFC 8520 §10). */
  mudUrl: string | null;
  /** Every option code present, in order (for fingerprints and debugging). */
  optionCodes: number[];
}
