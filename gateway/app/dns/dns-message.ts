// The record the DNS (and mDNS) parser emits: one message with its questions and the answer,
// authority and additional records it could read. Names are lower-cased dotted strings without
// the trailing dot; the root is "".

/** Resource record types the gateway understands by name (others keep their number). */
export const DnsType = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, NULL: 10, OPT: 41, HTTPS: 65, ANY: 255,
} as const;

/** One question. */
export interface DnsQuestion {
  name: string;
  type: number;
  /** Class with the mDNS unicast-response bit (0x8000) cleared. */
  class: number;
}

/** One resource record. `data` is decoded for A, AAAA (address text), CNAME, PTR, NS (a name),
 *  TXT (the strings joined with no separator; `txt` holds them apart), SRV (target name); for other
 *  types it is null and `rdLen` says how many bytes the record carried. */
export interface DnsRecord {
  name: string;
  type: number;
  class: number;
  /** Seconds. */
  ttl: number;
  rdLen: number;
  data: string | null;
  txt?: string[];
  /** SRV only. */
  port?: number;
}

/** One DNS message. */
export interface DnsMessage {
  id: number;
  /** True for a response. */
  qr: boolean;
  opcode: number;
  rcode: number;
  /** The TC (truncated) flag. */
  tc: boolean;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}
