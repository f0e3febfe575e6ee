// Query names for the DNS detector tests: ones written the way tunnel and exfiltration tools write
// them (their encodings and framing, over deterministic random bytes), and benign look-alikes from
// CDNs, clouds and IoT vendors that must not be taken for data.
import { prng } from '../../helpers/prng.js';

/** `n` deterministic random bytes from `seed`. */
export function bytes(seed: number, n: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/** Base32 of `b` in `alphabet` (RFC 4648 §6 bit order, no padding). */
export function base32(b: Buffer, alphabet = 'abcdefghijklmnopqrstuvwxyz234567'): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const x of b) {
    acc = ((acc << 8) | x) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(acc << (5 - bits)) & 31];
  return out;
}

/** `s` cut into labels of at most `max` characters, joined with dots. */
export function dotify(s: string, max: number): string {
  const parts: string[] = [];
  for (let i = 0; i < s.length; i += max) parts.push(s.slice(i, i + max));
  return parts.join('.');
}

/** An octet in the DNS parser's text form: printable ASCII as is, others as `\DDD` (RFC 4343 §2.1). */
function textOctet(c: number): string {
  if (c === 0x2e || c === 0x5c) return '\\' + String.fromCharCode(c);
  if (c < 0x20 || c > 0x7e) return '\\' + String(c).padStart(3, '0');
  return String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
}

/**
 * One query name per tool, as the tool frames its upstream data (`seed` varies the payload). Each
 * carries a full data chunk, as tools send while moving data, within the 253-octet name limit.
 */
export function toolNames(seed: number): Record<string, string> {
  const b = (n: number, k = 0) => bytes(seed * 31 + k, n);
  // iodine: upstream "0<userid><seq>" then the payload in its base32 (a-z, 0-5), a dot every 57.
  const iodine32 = '0a' + base32(b(100, 1), 'abcdefghijklmnopqrstuvwxyz012345');
  // iodine base128: a-z, A-Z, 0-9 and octets 0xbc-0xfd (the parser lower-cases A-Z and escapes the rest).
  const b128 = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const high = Array.from({ length: 66 }, (_, i) => String.fromCharCode(0xbc + i)).join('');
  const alpha128 = b128 + high;
  const raw128 = [0x79, 0x61, ...Array.from(b(170, 2), (x) => alpha128.charCodeAt(x % 128))];
  const labels128: string[] = [];
  for (let i = 0; i < raw128.length; i += 57) labels128.push(raw128.slice(i, i + 57).map(textOctet).join(''));
  return {
    'iodine base32': `${dotify(iodine32.slice(0, 171), 57)}.t1.tunnel.example.com`,
    'iodine base128': `${labels128.join('.')}.t1.tunnel.example.com`,
    // dnscat2: "dnscat." then the hex of the packet (header + data), labels of up to 60 characters.
    'dnscat2 (no domain)': `dnscat.${dotify(b(90, 3).toString('hex'), 60)}`,
    'dnscat2 (domain)': `${dotify(b(90, 4).toString('hex'), 60)}.skullseclabs.example.org`,
    // dns2tcp: base64 with '+', '/' and '=' in labels of 63, then the resource.
    dns2tcp: `${dotify(b(120, 5).toString('base64'), 63)}.dns2tcp.example.fr`,
    // DNSExfiltrator: chunk number, then base64url in labels of 63 (or base32 with -b32).
    'DNSExfiltrator base64url': `0.${dotify(b(160, 6).toString('base64url'), 63)}.exfil.example.net`,
    'DNSExfiltrator base32': `3.${dotify(base32(b(125, 7)).toUpperCase(), 63)}.exfil.example.net`,
    // DET (sensepost): hex of "<id>|!|<seq>|!|<data>" chunks in one label under the domain.
    DET: `${b(31, 8).toString('hex')}.det.example.com`,
    // Cobalt Strike DNS beacon upload: "post.<counter><hex data>.<beacon id>.<domain>".
    'Cobalt Strike': `post.1${b(28, 9).toString('hex')}.${b(4, 10).toString('hex')}.cdn.example.com`,
    // Sliver / dnstt: base32 of the (encrypted) message, labels of 63, the name filled to ~250.
    'Sliver/dnstt': `${dotify(base32(b(120, 11)), 63)}.c2.example.io`,
  };
}

/** Names with hash-like, dashed, long or vendor-specific labels that are not data. */
export const BENIGN_LOOKALIKES: readonly string[] = [
  // CDNs and clouds: short hash or address-derived labels.
  'd1abc2defgh3.cloudfront.net', 'd3k9x7m2p1q8rz.cloudfront.net', 'a23-45-67-89.deploy.static.akamaitechnologies.com',
  'e1234.dscb.akamaiedge.net', 'e6858.dsce9.akamaiedge.net', 'a1720.dscg.akamai.net',
  'a1b2c3d4e5f6g7-ats.iot.us-east-1.amazonaws.com', 'a3k7odshaiipe8-ats.iot.eu-west-1.amazonaws.com',
  'vpce-0a1b2c3d4e5f6a7b8-abcdefgh.s3.us-east-1.vpce.amazonaws.com',
  'dualstack.awseb-e-x-awsebloa-1a2b3c4d5e6f7-1234567890.us-west-2.elb.amazonaws.com',
  'internal-my-app-lb-1234567890.us-east-1.elb.amazonaws.com', 'ec2-54-123-45-67.compute-1.amazonaws.com',
  'cf-templates-1x2y3z4a5b6c-us-east-1.s3.amazonaws.com', 'elasticbeanstalk-us-east-1-123456789012.s3.amazonaws.com',
  '5f9a8b7c6d5e4f3a2b1c0d9e--sitename.netlify.app', 'myapp-h6g7a8b9c0d1e2f3.z01.azurefd.net',
  'gentle-sand-0a1b2c3d4.azurestaticapps.net', 'us-central1-myproject-12345.cloudfunctions.net',
  '20210101t123456-dot-myapp.appspot.com', 'abcd-12-34-56-78.ngrok.io',
  // One digest or account id per name: MD5 (32 hex), SHA-1 (40 hex).
  'e3b0c44298fc1c149afbf4c8996fb924.safeframe.googlesyndication.com', '0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com',
  'da39a3ee5e6b4b0d3255bfef95601890afd80709.hash.cymru.com',
  // Video and streaming edges.
  'r3---sn-4g5e6nsz.googlevideo.com', 'rr5---sn-8xgp1vo-p5qe.googlevideo.com', 'ipv4-c072-dfw001-ix.1.oca.nflxvideo.net',
  'video-edge-c2a1b4.sjc02.abs.hls.ttvnw.net', 'scontent-ams4-1.xx.fbcdn.net', 'audio-ak-spotify-com.akamaized.net',
  // IoT vendors: UUID- and id-labelled endpoints.
  'e4b1c9d2-3f6a-4b8e-9c7d-1a2b3c4d5e6f.mqtt.tuyaus.com', '6f1c2a3b-8d4e-4f5a-9b6c-7d8e9f0a1b2c.api.smartthings.com',
  'a1.tuyaus.com', 'm2.tuyaeu.com', 'ot.io.mi.com', '123456789.ot.io.mi.com', 'euw1-device-cloudgateway.iot.i.tplinknbu.com',
  'vs-cam.u011.immedia-semi.com', 'czfe105.front01.iad01.production.nest.com', 'srmp01lb03.ch.pub.arrayent.com',
  // Reverse lookups, DNS-SD, mail authentication, NTP.
  '4.3.2.1.in-addr.arpa', 'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa',
  '_googlecast._tcp.local', '_dmarc.example.com', 'selector1._domainkey.example.com', 'google._domainkey.example.org',
  '0.pool.ntp.org', '3.openwrt.pool.ntp.org', '2.0.0.127.zen.spamhaus.org',
  // Addresses written into names.
  '2a02-8108-1234-5678-abcd-ef01-2345-6789.dyn.example.net', 'ip-172-31-22-104.ec2.internal',
  // Long but made of words, and IDNA.
  'this-is-a-very-long-hostname-for-a-marketing-campaign.example.com', 'averyveryverylongsubdomainnamethatisjustwords.example.com',
  'internationalbusinessmachinescorporation.example.com', 'xn--80akhbyknj4f.xn--p1ai',
  'xn--80aaacfjb6abhbjhlq1bgfh7m.xn--80aaacfjb6abhbjhlq1bgfh7m.xn--p1ai', 'desktop-7k3j9qf.home.lan',
];
