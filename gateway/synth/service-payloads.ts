// Payloads of the small services the demo devices use besides DNS, DHCP and TLS: NTP to set the
// clock, CoAP for local control of the bulb, SSDP to discover screens.

/** NTP timestamps count seconds from 1900-01-01 (RFC 5905 §6); the Unix epoch is this many later. */
const NTP_UNIX_OFFSET = 2208988800;

/** An NTPv4 packet (RFC 5905 §7.3): a client request (mode 3) or a server answer (mode 4) at `unixSeconds`. */
export function ntpPacket(mode: 3 | 4, unixSeconds: number): Buffer {
  const b = Buffer.alloc(48);
  b[0] = (4 << 3) | mode; // LI 0, VN 4
  const secs = Math.floor(unixSeconds) + NTP_UNIX_OFFSET;
  const frac = Math.floor((unixSeconds % 1) * 2 ** 32);
  if (mode === 4) {
    b[1] = 2; // stratum: synchronised to a stratum-1 server
    b[2] = 6; // poll 64 s
    b[3] = 0xe9; // precision 2^-23 s
    b.write('GPS\0', 12, 'latin1'); // reference id
    b.writeUInt32BE(secs, 16); // reference timestamp
    b.writeUInt32BE(secs, 32); // receive
    b.writeUInt32BE(frac, 36);
  }
  b.writeUInt32BE(secs, 40); // transmit
  b.writeUInt32BE(frac, 44);
  return b;
}

/** CoAP codes (RFC 7252 §12.1): class.detail packed as class << 5 | detail. */
export const COAP = { PUT: 0x03, CHANGED: 0x44 } as const;

/**
 * A confirmable CoAP request with a Uri-Path (RFC 7252 §3), or its piggybacked ACK when `code` is a
 * response code; a payload follows the 0xff marker.
 */
export function coapMessage(o: { code: number; messageId: number; token: Buffer; path?: string; payload?: string }): Buffer {
  const response = o.code >= 0x40;
  const head = Buffer.from([0x40 | ((response ? 2 : 0) << 4) | o.token.length, o.code, o.messageId >> 8, o.messageId & 0xff]);
  const parts = [head, o.token];
  if (o.path !== undefined) {
    // Option 11 Uri-Path, delta 11 from 0, length < 13 (RFC 7252 §3.1).
    const seg = Buffer.from(o.path, 'utf8');
    parts.push(Buffer.from([(11 << 4) | seg.length]), seg);
  }
  if (o.payload !== undefined) parts.push(Buffer.from([0xff]), Buffer.from(o.payload, 'utf8'));
  return Buffer.concat(parts);
}

/** An SSDP M-SEARCH for `target` (UPnP Device Architecture 2.0 §1.3.2). */
export function ssdpSearch(target: string): Buffer {
  return Buffer.from(`M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: "ssdp:discover"\r\nMX: 2\r\nST: ${target}\r\n\r\n`, 'latin1');
}
