// MAC addresses as 48-bit integers (exact in a JS number), the form the packet view uses.

const MAC_TEXT = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;

/** Parses `aa:bb:cc:dd:ee:ff` (yang:mac-address, RFC 6991) to a 48-bit integer, or -1. */
export function parseMac(text: string): number {
  if (!MAC_TEXT.test(text)) return -1;
  return parseInt(text.replace(/:/g, ''), 16);
}

/** Lower-case colon text of a 48-bit MAC. */
export function formatMac(mac: number): string {
  const hex = mac.toString(16).padStart(12, '0');
  return hex.match(/../g)!.join(':');
}

/** Twelve lower-case hex digits, no separators: the MAC part of nft identifiers. */
export function macHex(mac: number): string {
  return mac.toString(16).padStart(12, '0');
}

/** Bitwise AND of two 48-bit values (JS bit operators are 32-bit, so split the high 16 bits). */
export function mac48And(a: number, b: number): number {
  const hi = (Math.floor(a / 0x100000000) & Math.floor(b / 0x100000000)) & 0xffff;
  const lo = ((a >>> 0) & (b >>> 0)) >>> 0;
  return hi * 0x100000000 + lo;
}

/** All-ones 48-bit mask. */
export const MAC_FULL_MASK = 0xffffffffffff;
