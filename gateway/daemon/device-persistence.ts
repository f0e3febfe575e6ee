// The device inventory across restarts: new and changed devices are written to the `devices` table
// at the next housekeeping tick (a device's announced MUD URL at once: a crash right after must not
// lose its binding), those whose lastSeen moved once a minute; at start the table comes back into
// the inventory (no device.new for a known device), and a data directory of an older gateway has its
// `mud-urls.json` imported once. Every write goes through the storage guard: a full disk keeps the
// devices for the next try and never throws into the packet path.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseMac } from '../common/address-text.js';
import type { EventLog } from '../common/event-log.js';
import type { DeviceStore } from '../store/device-store.js';
import type { StorageGuard } from '../store/storage-guard.js';
import type { Device, MudUrlSource } from '../track/device.js';
import type { DeviceInventory } from '../track/device-inventory.js';

/** How often devices whose lastSeen moved are written, ms. */
const SWEEP_MS = 60_000;

export class DevicePersistence {
  /** Devices new or changed since the last save. */
  private unsaved = new Set<Device>();
  /** When each device's lastSeen was last written (only moved ones are written again). */
  private readonly savedSeen = new WeakMap<Device, number>();
  private lastSweep = 0;

  constructor(
    private readonly store: DeviceStore, private readonly inventory: DeviceInventory, private readonly storage: StorageGuard,
    private readonly dataDir: string, private readonly log: EventLog,
  ) {}

  /** A device the inventory made (not one it restored). */
  added(d: Device): void {
    this.unsaved.add(d);
  }

  /** A device's field changed: its MUD URL is written at once, the rest at the next save(). */
  changed(d: Device, field: keyof Device): void {
    if (field === 'profile') return; // the policy layer sets it again from the MUD URL
    if (field !== 'mudUrl') { this.unsaved.add(d); return; }
    if (this.storage.write('devices', () => this.store.save([d]))) this.savedSeen.set(d, d.lastSeen);
    else this.unsaved.add(d);
  }

  /** Writes the new and changed devices, and (every minute, or `all`) those whose lastSeen moved. */
  save(all = false): void {
    const ms = Date.now();
    const sweep = all || ms - this.lastSweep >= SWEEP_MS;
    if (!sweep && this.unsaved.size === 0) return;
    const list = [...this.unsaved];
    this.unsaved = new Set();
    if (sweep) {
      this.lastSweep = ms;
      for (const d of this.inventory.all()) if (this.savedSeen.get(d) !== d.lastSeen) list.push(d);
    }
    if (list.length === 0) return;
    if (!this.storage.write('devices', () => this.store.save(list), list.length)) {
      // The disk is full: kept for the next call.
      for (const d of list) this.unsaved.add(d);
      return;
    }
    for (const d of list) this.savedSeen.set(d, d.lastSeen);
  }

  /**
   * Brings back every device a previous run knew, most recently seen last, up to `max`: names,
   * addresses and announced MUD URL, so profiles bind at once (from the cache, without waiting for
   * the next DHCP request). Returns how many.
   */
  restore(max: number): number {
    let n = 0;
    for (const r of this.store.load(max)) {
      const { mac, ...fields } = r;
      const d = this.inventory.restore(parseMac(mac), fields);
      if (d === null) continue;
      this.savedSeen.set(d, d.lastSeen);
      n++;
    }
    return n + this.importMudUrls();
  }

  /** Imports the MAC → MUD URL file of an older data directory into the inventory (and so the table), then removes it. */
  private importMudUrls(): number {
    const file = join(this.dataDir, 'mud-urls.json');
    if (!existsSync(file)) return 0;
    let urls: Record<string, { url?: unknown; source?: MudUrlSource | null }>;
    try {
      urls = JSON.parse(readFileSync(file, 'utf8')) as typeof urls;
    } catch (e) {
      this.log('state.unreadable', { file, error: (e as Error).message });
      return 0;
    }
    let n = 0;
    const now = Date.now() * 1000;
    for (const [mac, e] of Object.entries(urls)) {
      const d = this.inventory.ensure(parseMac(mac), now);
      if (d === null || typeof e?.url !== 'string') continue;
      this.inventory.set(d, 'mudUrlSource', e.source ?? null);
      this.inventory.set(d, 'mudUrl', e.url);
      n++;
    }
    rmSync(file, { force: true });
    return n;
  }
}
