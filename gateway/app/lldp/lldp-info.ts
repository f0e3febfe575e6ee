// The record the LLDP parser emits (IEEE 802.1AB), with the MUD URL TLV of RFC 8520 §11:
// organizationally specific TLV (type 127), OUI 00:00:5E, subtype 1.

/** One LLDPDU. */
export interface LldpInfo {
  /** Chassis ID subtype and value (MAC subtype 4 as "aa:bb:…", others as text or hex). */
  chassisIdSubtype: number;
  chassisId: string;
  portIdSubtype: number;
  portId: string;
  /** Seconds. */
  ttl: number;
  systemName: string | null;
  systemDescription: string | null;
  mudUrl: string | null;
}
