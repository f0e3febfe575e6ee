// Paths of the shared fixtures (read in place from ../shared, never copied into the project).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The shared fixtures folder. */
export const FIXTURES = resolve(ROOT, '../shared/fixtures');

/** A fixture path from its path under ../shared/fixtures. */
export function fixture(rel: string): string {
  return join(FIXTURES, rel);
}

/** Every capture file below `dir` (named .pcap or .pcapng; the format is told by magic number). */
export function captureFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...captureFiles(p));
    else if (/\.pcap(ng)?$/.test(name)) out.push(p);
  }
  return out;
}

/**
 * The real captures of normal traffic the detection suites check for false alarms (absolute
 * paths): the IoT Sentinel device setups, the nDPI protocol captures, the MUD pairs, a TP-Link
 * plug, an Echo Dot and a week of a Blink camera. `except`: file names left out (the nDPI
 * captures that hold the attack a suite looks for).
 */
export function benignCaptures(except: readonly string[] = []): string[] {
  return [
    ...captureFiles(fixture('pcap/iot-sentinel')),
    ...captureFiles(fixture('pcap/ndpi')),
    ...captureFiles(fixture('mud-pairs')),
    fixture('pcap/attacks/fdekeers__iot-firewall/data/traces/tplink-plug/tp-link.pcap'),
    fixture('pcap/attacks/jhautry__echo-dot/packet-captures/echodot-normal.pcapng'),
    fixture('pcap/attacks/tj-oconnor__IoT-Dataset/pcaps/blink-cam-01.pcap'),
  ].filter((f) => !except.includes(f.slice(f.lastIndexOf('/') + 1)));
}
