// The devices the gateway knows, by MAC: loaded from REST and kept current by the stream's device
// events, so the feed can name devices and the inventory updates without polling every second.
import type { DeviceView } from '../api/api-types';

export class DeviceDirectory {
  readonly byMac = new Map<string, DeviceView>();
  private readonly listeners = new Set<() => void>();

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Replaces everything with a REST snapshot. */
  load(items: readonly DeviceView[]): void {
    this.byMac.clear();
    for (const d of items) this.byMac.set(d.mac, d);
    this.emit();
  }

  /** Applies stream updates (a batch). */
  upsert(items: readonly DeviceView[]): void {
    for (const d of items) this.byMac.set(d.mac, d);
    if (items.length > 0) this.emit();
  }

  hostname(mac: string): string | null {
    return this.byMac.get(mac)?.hostname ?? null;
  }

  /** "hostname (mac)" or the MAC alone. */
  label(mac: string | null): string {
    if (mac === null) return '—';
    const h = this.hostname(mac);
    return h === null ? mac : h;
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
