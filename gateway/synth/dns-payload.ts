// DNS messages for the demo capture (RFC 1035 §4.1): queries, answers with A, TXT, PTR and SRV
// records, and mDNS announcements (RFC 6762). Names are compressed as a real server writes them:
// each later occurrence of a known suffix is a pointer to its first (RFC 1035 §4.1.4).
import { ipv4Bytes } from './frame-builders.js';

/** Record types used (IANA "DNS Parameters"). */
export const DNS_TYPE = { A: 1, PTR: 12, TXT: 16, SRV: 33 } as const;

/** Header flags: a standard query asking for recursion, a recursive answer, an mDNS answer. */
export const DNS_FLAGS = { QUERY: 0x0100, ANSWER: 0x8180, NXDOMAIN: 0x8183, MDNS_ANSWER: 0x8400 } as const;

/** One resource record. `flush` sets the mDNS cache-flush bit of the class (RFC 6762 §10.2). */
export type DnsRecord = { name: string; ttl: number; flush?: boolean } & (
  | { type: 'A'; address: string }
  | { type: 'TXT'; texts: string[] }
  | { type: 'PTR'; target: string }
  | { type: 'SRV'; port: number; target: string }
);

/** A whole message. */
export interface DnsSpec {
  id: number;
  flags: number;
  questions: { name: string; type: number }[];
  answers?: DnsRecord[];
  additionals?: DnsRecord[];
}

/** Largest message written (an mDNS packet may be up to 9000 bytes; the demo's are far smaller). */
const MAX_MESSAGE = 4096;
/** Offsets a compression pointer can reach (14 bits). */
const MAX_POINTER = 0x3fff;

/** Writes one message into a fixed buffer, remembering where each name suffix was written. */
class DnsWriter {
  readonly buf = Buffer.alloc(MAX_MESSAGE);
  pos = 0;
  private readonly suffixes = new Map<string, number>();

  u8(v: number): void {
    this.pos = this.buf.writeUInt8(v, this.pos);
  }
  u16(v: number): void {
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }
  u32(v: number): void {
    this.pos = this.buf.writeUInt32BE(v >>> 0, this.pos);
  }
  bytes(b: Buffer): void {
    this.pos += b.copy(this.buf, this.pos);
  }

  /** A name: its labels until a suffix already written, then a pointer to it (or the root). */
  name(text: string): void {
    const labels = text.split('.').filter((l) => l !== '');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.suffixes.get(suffix);
      if (at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.pos <= MAX_POINTER) this.suffixes.set(suffix, this.pos);
      const label = Buffer.from(labels[i]!, 'latin1');
      if (label.length > 63) throw new RangeError(`dns: label over 63 octets in ${text}`);
      this.u8(label.length);
      this.bytes(label);
    }
    this.u8(0);
  }

  record(r: DnsRecord): void {
    this.name(r.name);
    this.u16(DNS_TYPE[r.type]);
    this.u16(r.flush ? 0x8001 : 1); // class IN
    this.u32(r.ttl);
    const lengthAt = this.pos;
    this.u16(0);
    switch (r.type) {
      case 'A':
        this.bytes(ipv4Bytes(r.address));
        break;
      case 'TXT':
        for (const s of r.texts) {
          const b = Buffer.from(s, 'utf8');
          this.u8(b.length);
          this.bytes(b);
        }
        break;
      case 'PTR':
        this.name(r.target);
        break;
      case 'SRV':
        this.u16(0); // priority
        this.u16(0); // weight
        this.u16(r.port);
        this.name(r.target);
        break;
    }
    this.buf.writeUInt16BE(this.pos - lengthAt - 2, lengthAt);
  }
}

/** The bytes of one DNS message. */
export function dnsPayload(m: DnsSpec): Buffer {
  const w = new DnsWriter();
  const an = m.answers ?? [];
  const ar = m.additionals ?? [];
  for (const v of [m.id, m.flags, m.questions.length, an.length, 0, ar.length]) w.u16(v);
  for (const q of m.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(1); // class IN
  }
  for (const r of an) w.record(r);
  for (const r of ar) w.record(r);
  return Buffer.from(w.buf.subarray(0, w.pos));
}

/** A recursive query for one name. */
export function dnsQuery(id: number, name: string, type: number = DNS_TYPE.A): Buffer {
  return dnsPayload({ id, flags: DNS_FLAGS.QUERY, questions: [{ name, type }] });
}

/** The resolver's answer to dnsQuery(id, name, type). */
export function dnsAnswer(id: number, name: string, type: number, answers: DnsRecord[]): Buffer {
  return dnsPayload({ id, flags: DNS_FLAGS.ANSWER, questions: [{ name, type }], answers });
}
