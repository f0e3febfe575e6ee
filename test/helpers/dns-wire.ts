// A tiny DNS wire encoder for built test cases (RFC 1035 §4): one question, optional A answers,
// no compression. Plus a frame builder for a LAN client's query to a resolver over UDP port 53.
import { ETHER_IPV4, PROTO, ether, frame, ipv4, udp } from './frames.js';

/** A name as length-prefixed labels ending with the root octet (RFC 1035 §3.1); throws on a label over 63 octets. */
export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const l of name.split('.').filter((x) => x !== '')) {
    const b = Buffer.from(l, 'latin1');
    if (b.length > 63) throw new Error(`dns-wire: label over 63 octets in ${name}`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Options of dnsMessage(). */
export interface DnsWireOptions {
  id?: number;
  name: string;
  /** Query type, default 1 (A). */
  type?: number;
  /** A response (QR set, RD+RA) instead of a query (RD). */
  response?: boolean;
  /** IPv4 answers (A records for `name`, TTL 300) in a response. */
  answers?: string[];
}

/** One DNS message with one question (class IN). */
export function dnsMessage(o: DnsWireOptions): Buffer {
  const answers = o.response ? (o.answers ?? []) : [];
  const h = Buffer.alloc(12);
  h.writeUInt16BE(o.id ?? 0x1234, 0);
  h.writeUInt16BE(o.response ? 0x8180 : 0x0100, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(answers.length, 6);
  const qname = encodeName(o.name);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(o.type ?? 1, 0);
  q.writeUInt16BE(1, 2);
  const rrs = answers.map((ip) => {
    const rr = Buffer.alloc(14);
    rr.writeUInt16BE(1, 0); // A
    rr.writeUInt16BE(1, 2); // IN
    rr.writeUInt32BE(300, 4);
    rr.writeUInt16BE(4, 8);
    Buffer.from(ip.split('.').map(Number)).copy(rr, 10);
    return Buffer.concat([qname, rr]);
  });
  return Buffer.concat([h, qname, q, ...rrs]);
}

/** Addresses of a client and its resolver for dnsFrame(). */
export interface DnsEndpoints {
  clientMac: string;
  clientIp: string;
  resolverMac: string;
  resolverIp: string;
  /** Client's source port, default 40000. */
  sport?: number;
}

/** A query from the client to the resolver, or (response: true) the resolver's answer back. */
export function dnsFrame(e: DnsEndpoints, o: DnsWireOptions): Buffer {
  const sport = e.sport ?? 40000;
  const payload = dnsMessage(o);
  if (o.response) {
    return frame(
      ether({ dst: e.clientMac, src: e.resolverMac, type: ETHER_IPV4 }),
      ipv4({ src: e.resolverIp, dst: e.clientIp, proto: PROTO.UDP, payload: udp({ sport: 53, dport: sport, payload }) }),
    );
  }
  return frame(
    ether({ dst: e.resolverMac, src: e.clientMac, type: ETHER_IPV4 }),
    ipv4({ src: e.clientIp, dst: e.resolverIp, proto: PROTO.UDP, payload: udp({ sport, dport: 53, payload }) }),
  );
}

/**
 * Names a browser-like client looks up in a few minutes: different domains, CDN names with hashes
 * (cloudfront, googlevideo, an ELB name), a 32-hex-digit ad frame name, country second-level domains.
 */
export const BROWSING_NAMES: readonly string[] = [
  'www.example.com', 'example.com', 'static.example.com', 'fonts.googleapis.com', 'fonts.gstatic.com',
  'www.google.com', 'www.gstatic.com', 'apis.google.com', 'd1a2b3c4.cloudfront.net', 'd3k9x7m2p1q8rz.cloudfront.net',
  'd2f7g1h8j4k3mw.cloudfront.net', 'dualstack.ipv6-1927743757.us-west-2.elb.amazonaws.com', 's3-us-west-2.amazonaws.com',
  'e3b0c44298fc1c149afbf4c8996fb924.safeframe.googlesyndication.com', 'cdn.jsdelivr.net', 'www.bbc.co.uk',
  'static.files.bbci.co.uk', 'ichef.bbci.co.uk', 'news.ycombinator.com', 'github.com', 'avatars.githubusercontent.com',
  'api.github.com', 'www.wikipedia.org', 'upload.wikimedia.org', 'en.wikipedia.org', 'i.ytimg.com',
  'r3---sn-4g5e6nsz.googlevideo.com', 'rr1---sn-q4flrnek.googlevideo.com', 'rr4---sn-aigl6nzr.googlevideo.com',
  'www.youtube.com', 'ocsp.digicert.com', 'time.apple.com', 'www.asahi.com', 'www.yahoo.co.jp', 's.yimg.jp',
  'connect.facebook.net', 'www.googletagmanager.com', 'ssl.google-analytics.com', 'stats.g.doubleclick.net',
  'p.typekit.net', 'use.typekit.net', 'a0.awsstatic.com',
];
