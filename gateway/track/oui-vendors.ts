// Vendor names from the IEEE MA-L registry, through the maintained `oui-data` package. Loaded on
// first use (about 5 MB of JSON), looked up only when a device is first seen.
import { createRequire } from 'node:module';

let table: Record<string, string> | null = null;

/** Vendor (organization name) for a MAC, or null for unknown and locally administered MACs. */
export function vendorForMac(mac: number): string | null {
  const oui = Math.floor(mac / 16777216);
  // Locally administered (bit 1 of the first octet): randomized or virtual, not a vendor's block.
  if ((oui >> 16) & 0x02) return null;
  if (table === null) {
    const require = createRequire(import.meta.url);
    table = require('oui-data') as Record<string, string>;
  }
  const key = oui.toString(16).toUpperCase().padStart(6, '0');
  const entry = table[key];
  if (entry === undefined) return null;
  const nl = entry.indexOf('\n');
  return nl < 0 ? entry : entry.slice(0, nl);
}
