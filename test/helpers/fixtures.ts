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
