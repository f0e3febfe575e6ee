// The record the SSDP parser emits (UPnP Device Architecture 2.0 §1): HTTP over UDP on 1900.

/** One SSDP datagram. */
export interface SsdpMessage {
  /** "M-SEARCH", "NOTIFY", or "RESPONSE" for an HTTP/1.1 200 reply. */
  kind: 'M-SEARCH' | 'NOTIFY' | 'RESPONSE';
  /** ST (search target) or NT (notification type). */
  target: string | null;
  usn: string | null;
  server: string | null;
  location: string | null;
  /** NTS for NOTIFY (ssdp:alive, ssdp:byebye). */
  nts: string | null;
}
