// The device inventory in SQLite, so a restarted gateway knows its devices: what they are (vendor,
// names, fingerprints, announced MUD URL), their addresses and when they were first and last seen.
// Restored at start, they raise no `device.new` again. Written in batches from the housekeeping
// tick (only devices that changed), never from the packet path.
import { iso, isoMicros } from '../common/packet-time.js';
import type { Device, MudUrlSource } from '../track/device.js';
import type { Db } from './database.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS devices (
  mac              TEXT PRIMARY KEY,
  vendor           TEXT,
  hostname         TEXT,
  hostname_source  TEXT,
  dhcp_fingerprint TEXT,
  dhcp_vendor_class TEXT,
  mud_url          TEXT,
  mud_url_source   TEXT,
  ssdp_server      TEXT,
  lldp_system_name TEXT,
  ips              TEXT NOT NULL,
  first_seen       TEXT NOT NULL,
  last_seen        TEXT NOT NULL,
  packets          INTEGER NOT NULL,
  bytes            INTEGER NOT NULL
);
`;

/** A device as kept: the inventory's fields that outlive a restart (times in µs, like Device). */
export interface DeviceRecord {
  mac: string;
  vendor: string | null;
  hostname: string | null;
  hostnameSource: Device['hostnameSource'];
  dhcpFingerprint: string | null;
  dhcpVendorClass: string | null;
  mudUrl: string | null;
  mudUrlSource: MudUrlSource | null;
  ssdpServer: string | null;
  lldpSystemName: string | null;
  ips: string[];
  firstSeen: number;
  lastSeen: number;
  packets: number;
  bytes: number;
}

interface Row {
  mac: string; vendor: string | null; hostname: string | null; hostname_source: string | null; dhcp_fingerprint: string | null;
  dhcp_vendor_class: string | null; mud_url: string | null; mud_url_source: string | null; ssdp_server: string | null;
  lldp_system_name: string | null; ips: string; first_seen: string; last_seen: string; packets: number; bytes: number;
}


/** The devices table of one SQLite database. */
export class DeviceStore {
  private readonly upsertStmt;

  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
    this.upsertStmt = db.prepare(`INSERT INTO devices (mac, vendor, hostname, hostname_source, dhcp_fingerprint, dhcp_vendor_class, mud_url, mud_url_source, ssdp_server, lldp_system_name, ips, first_seen, last_seen, packets, bytes)
      VALUES (@mac, @vendor, @hostname, @hostnameSource, @dhcpFingerprint, @dhcpVendorClass, @mudUrl, @mudUrlSource, @ssdpServer, @lldpSystemName, @ips, @firstSeen, @lastSeen, @packets, @bytes)
      ON CONFLICT(mac) DO UPDATE SET vendor = excluded.vendor, hostname = excluded.hostname, hostname_source = excluded.hostname_source,
      dhcp_fingerprint = excluded.dhcp_fingerprint, dhcp_vendor_class = excluded.dhcp_vendor_class, mud_url = excluded.mud_url,
      mud_url_source = excluded.mud_url_source, ssdp_server = excluded.ssdp_server, lldp_system_name = excluded.lldp_system_name,
      ips = excluded.ips, first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
      packets = excluded.packets, bytes = excluded.bytes`);
  }

  /** Writes these devices (one transaction). Config-bound MUD URLs are not kept: the config says them again. */
  save(devices: Iterable<Device>): number {
    let n = 0;
    this.db.transaction(() => {
      for (const d of devices) {
        const cfgUrl = d.mudUrlSource === 'config';
        this.upsertStmt.run({
          mac: d.mac, vendor: d.vendor, hostname: d.hostname, hostnameSource: d.hostnameSource, dhcpFingerprint: d.dhcpFingerprint,
          dhcpVendorClass: d.dhcpVendorClass, mudUrl: cfgUrl ? null : d.mudUrl, mudUrlSource: cfgUrl ? null : d.mudUrlSource,
          ssdpServer: d.ssdpServer, lldpSystemName: d.lldpSystemName, ips: JSON.stringify(d.ips),
          firstSeen: iso(d.firstSeen), lastSeen: iso(d.lastSeen), packets: d.packets, bytes: d.bytes,
        });
        n++;
      }
    })();
    return n;
  }

  /** Every kept device, least recently seen first (the inventory's LRU order), at most `limit`. */
  load(limit: number): DeviceRecord[] {
    const rows = this.db.prepare('SELECT * FROM (SELECT * FROM devices ORDER BY last_seen DESC LIMIT ?) ORDER BY last_seen ASC').all(limit) as Row[];
    return rows.map((r) => ({
      mac: r.mac, vendor: r.vendor, hostname: r.hostname, hostnameSource: r.hostname_source as Device['hostnameSource'],
      dhcpFingerprint: r.dhcp_fingerprint, dhcpVendorClass: r.dhcp_vendor_class, mudUrl: r.mud_url, mudUrlSource: r.mud_url_source as MudUrlSource | null,
      ssdpServer: r.ssdp_server, lldpSystemName: r.lldp_system_name, ips: JSON.parse(r.ips) as string[],
      firstSeen: isoMicros(r.first_seen), lastSeen: isoMicros(r.last_seen), packets: r.packets, bytes: r.bytes,
    }));
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n;
  }
}
