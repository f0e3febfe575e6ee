// nftables identifiers and literals edgeward generates: short, valid (letters, digits, underscore,
// starting with a letter), and stable — the same DNS name or class gives the same set name on
// every run and for every device, so one table can serve many devices.

import { macHex } from '../net/mac-address.js';
import type { AddressRef } from '../compile/rule-spec.js';

/** Default table name (family inet). */
export const NFT_TABLE = 'edgeward';

/** MAC used for the device chain when no device is given (locally administered, never assigned). */
export const NFT_PLACEHOLDER_MAC = '02:00:00:00:00:00';

/** FNV-1a 32-bit hash of a string, 8 hex digits. */
export function fnv1aHex(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Base name (without `_v4`/`_v6`) of the set behind a class key; undefined for inline prefixes. */
export function setBaseName(ref: AddressRef, classKey: string): string | undefined {
  const h = fnv1aHex(classKey);
  switch (ref.kind) {
    case 'prefix': return undefined;
    case 'dns': return `dns_${h}`;
    case 'controller': return `ctl_${h}`;
    case 'my-controller': return `myctl_${h}`;
    case 'local-networks': return 'local';
    case 'manufacturer':
    case 'same-manufacturer': return `mfr_${h}`;
    case 'model': return `model_${h}`;
  }
}

/** Chain and set names of one device. */
export function deviceNames(mac: number): { from: string; to: string; v4: string; v6: string } {
  const base = `dev_${macHex(mac)}`;
  return { from: `${base}_from`, to: `${base}_to`, v4: `${base}_v4`, v6: `${base}_v6` };
}

/** A quoted nft string: printable ASCII only, no quotes, at most 120 characters. */
export function nftString(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'");
  return `"${clean.length > 120 ? `${clean.slice(0, 117)}...` : clean}"`;
}

/** Text safe inside a `#` comment line of an nft script. */
export function nftCommentText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Name of the set holding the addresses a DNS name resolved to, per family: the renderer's name
 * for a `dnsname` ACE on that name. Case and a final dot do not matter (RFC 4343).
 */
export function dnsSetName(name: string, family: 4 | 6): string {
  const key = (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
  return `dns_${fnv1aHex(`dns ${key}`)}_v${family}`;
}
