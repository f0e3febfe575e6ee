// A DHCP REQUEST (BOOTP payload, RFC 2131) from `mac` carrying option 161 with a MUD URL
// (RFC 8520 §10): how a device announces its profile in the built captures of the MUD tests.
export function dhcpRequestWithMud(mac: string, mudUrl: string): Buffer {
  const b = Buffer.alloc(240);
  b[0] = 1; b[1] = 1; b[2] = 6;
  Buffer.from(mac.replace(/:/g, ''), 'hex').copy(b, 28);
  b.writeUInt32BE(0x63825363, 236);
  const url = Buffer.from(mudUrl);
  return Buffer.concat([b, Buffer.from([53, 1, 3, 161, url.length]), url, Buffer.from([255])]);
}
