// The MUD profiles the gateway holds: read from a directory (matched by the MUD URL a device
// announces) and from MAC bindings. A file that does not validate is refused with the JSON path of
// each fault, and whatever profile was there before stays in force.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { formatIssue, parseMud, type MudIssue, type MudProfile } from '../../policies/index.js';
import { parseMac } from '../common/address-text.js';

/** A profile as loaded, with where it came from. */
export interface StoredProfile {
  profile: MudProfile;
  file: string;
  warnings: readonly MudIssue[];
}

/** A file that was refused, with every fault (JSON path and reason). */
export interface RefusedProfile {
  file: string;
  errors: string[];
}

/** The profiles by MUD URL and the bindings by MAC. */
export class ProfileStore {
  private readonly byUrl = new Map<string, StoredProfile>();
  private readonly byMac = new Map<number, StoredProfile>();
  readonly refused: RefusedProfile[] = [];

  /** Reads one MUD file. Returns the profile, or null when refused (recorded in `refused`). */
  load(file: string): StoredProfile | null {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      this.refused.push({ file, errors: [(e as Error).message] });
      return null;
    }
    return this.loadText(text, file);
  }

  /** Validates MUD text from `source` (a file or a URL). Returns the profile, or null when refused. */
  loadText(text: string, source: string): StoredProfile | null {
    const file = source;
    const r = parseMud(text);
    if (!r.ok) {
      this.refused.push({ file, errors: r.errors.map(formatIssue) });
      return null;
    }
    return { profile: r.profile, file, warnings: r.warnings };
  }

  /** Loads every MUD file of a directory (.json and .mud), indexed by mud-url; later files do not replace earlier ones silently. */
  loadDir(dir: string): void {
    for (const name of readdirSync(dir).sort()) {
      const file = join(dir, name);
      if (!statSync(file).isFile() || !/\.(json|mud)$/i.test(name)) continue;
      const sp = this.load(file);
      if (sp === null) continue;
      const prev = this.byUrl.get(sp.profile.mudUrl);
      if (prev) this.refused.push({ file, errors: [`mud-url ${sp.profile.mudUrl} is already served by ${basename(prev.file)}`] });
      else this.byUrl.set(sp.profile.mudUrl, sp);
    }
  }

  /** Binds a MAC to a MUD file (the file must validate). Throws a clear error otherwise. */
  bind(macText: string, file: string): StoredProfile {
    const mac = parseMac(macText);
    if (mac < 0) throw new RangeError(`binding ${macText}=${file}: not a MAC address`);
    const sp = this.load(file);
    if (sp === null) throw new RangeError(`binding ${macText}=${file}: refused: ${this.refused.at(-1)!.errors.join('; ')}`);
    this.byMac.set(mac, sp);
    return sp;
  }

  /** Replaces the profile for a MUD URL only when the new one validated (a fetch refresh, an upload). */
  put(sp: StoredProfile): void {
    this.byUrl.set(sp.profile.mudUrl, sp);
  }

  /** Drops the profile of a MUD URL (an upload deleted). Returns whether there was one. */
  remove(url: string): boolean {
    return this.byUrl.delete(url);
  }

  /** The profile held for a MUD URL. */
  byMudUrl(url: string): StoredProfile | undefined {
    return this.byUrl.get(url);
  }

  /** Every profile held by MUD URL (bindings by MAC not included). */
  profiles(): StoredProfile[] {
    return [...this.byUrl.values()];
  }

  /** The profile for a device: its MAC binding first (the operator's word), then its announced MUD URL. */
  forDevice(mac: number, mudUrl: string | null): StoredProfile | undefined {
    return this.byMac.get(mac) ?? (mudUrl !== null ? this.byUrl.get(mudUrl) : undefined);
  }

  /** Devices bound by MAC. */
  get bindingCount(): number {
    return this.byMac.size;
  }

  get size(): number {
    return this.byUrl.size + this.byMac.size;
  }
}
