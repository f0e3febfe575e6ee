// The per-query judgement of DNS names (dns-query-score.ts): names written the way tunnel and
// exfiltration tools write them carry payload; CDN, cloud and IoT look-alikes do not.
import { describe, expect, it } from 'vitest';
import {
  QUERY_SCORE_DEFAULTS, queryScoreConfigErrors, scoreQueryName, shannonEntropy, type QueryScore,
} from '../../../gateway/detect/dns-query-score.js';
import { queryDomain } from '../../../gateway/detect/registrable-domain.js';
import { BROWSING_NAMES } from '../../helpers/dns-wire.js';
import { BENIGN_LOOKALIKES, base32, bytes, toolNames } from './dns-tool-names.js';

/** The judgement of a whole query name, split as the detectors split it (null for skipped names). */
function score(name: string): QueryScore | null {
  const qn = queryDomain(name);
  return qn === null ? null : scoreQueryName(qn.sub);
}

describe('shannonEntropy', () => {
  it('is 0 for one symbol, log2(k) for k equally frequent symbols', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(shannonEntropy('abababab')).toBe(1);
    expect(shannonEntropy('abcdefghijklmnopqrstuvwxyz234567')).toBe(5);
  });
});

describe('scoreQueryName: tool names', () => {
  const expected: Record<string, QueryScore['encoding']> = {
    'iodine base32': 'base36', 'iodine base128': 'binary', 'dnscat2 (no domain)': 'hex', 'dnscat2 (domain)': 'hex',
    dns2tcp: 'base64', 'DNSExfiltrator base64url': 'base36', 'DNSExfiltrator base32': 'base32', DET: 'hex',
    'Cobalt Strike': 'hex', 'Sliver/dnstt': 'base32',
  };

  it.each(Object.entries(toolNames(1)))('%s carries payload', (tool, name) => {
    const s = score(name)!;
    expect(s.encoded).toBe(true);
    expect(s.payloadBits).toBeGreaterThanOrEqual(QUERY_SCORE_DEFAULTS.minPayloadBits);
    expect(s.encoding).toBe(expected[tool]);
  });

  it('writes names a resolver accepts: labels of at most 63 octets, names of at most 253 (RFC 1035 §2.3.4)', () => {
    for (const name of Object.values(toolNames(1))) {
      const labels = queryDomain(name)!;
      const octets = name.replace(/\\\d{3}/g, 'x');
      expect(octets.length, name).toBeLessThanOrEqual(253);
      for (const l of octets.split('.')) expect(l.length, name).toBeLessThanOrEqual(63);
      expect(labels.sub.length).toBeGreaterThan(0);
    }
  });

  it('flags every one of 200 payloads per tool', () => {
    for (let seed = 1; seed <= 200; seed++) {
      for (const [tool, name] of Object.entries(toolNames(seed))) expect(score(name)!.encoded, `${tool} seed ${seed}: ${name}`).toBe(true);
    }
  });

  it('reads the labels of a DNSExfiltrator chunk: lengths, entropy, base64url runs cut at - and _', () => {
    const name = '0.r747Clg-tK5pUdkH0R12a7gJ9sFPi9Aackw0kGtq_DnFd7vNX5Cb3l1JQQJQmh3.nkI710RsrOCstxi1R8Do9_Odr3ocKGV3oal9Tch1xe9GGKsOwNaKSYwLn5T49zy.hsc.fr';
    const s = score(name)!;
    expect(s.labelLengths).toEqual([1, 63, 63]);
    expect(s.subOctets).toBe(127);
    expect(s.nonHostnameOctets).toBe(0);
    expect(s.entropy).toBeGreaterThan(4.5);
    expect(s.encoded).toBe(true);
    // Runs under minRunChars ("r747clg", 7 characters) are left out; the long ones count.
    expect(s.encodedChars).toBeLessThan(127 - 7);
    expect(s.encodedChars).toBeGreaterThan(100);
  });

  it('counts base64 punctuation and binary octets as non-host-name octets', () => {
    expect(score('ab+c/d==.x.example.com')!.nonHostnameOctets).toBe(4);
    expect(score('a\\200b\\255.example.com')!.nonHostnameOctets).toBe(2);
  });

  it('needs minPayloadBits or one run of longRunChars: 40 hex (SHA-1) no, 48 hex yes, 40 base32 yes', () => {
    const hex = (n: number) => bytes(5, 32).toString('hex').slice(0, n);
    expect(score(`${hex(40)}.example.com`)).toMatchObject({ payloadBits: 160, longestRun: 40, encoded: false, encoding: 'hex' });
    expect(score(`${hex(48)}.example.com`)).toMatchObject({ payloadBits: 192, longestRun: 48, encoded: true });
    // Two 32-hex digests in one name: 256 bits.
    expect(score(`${hex(32)}.${bytes(6, 16).toString('hex')}.example.com`)).toMatchObject({ payloadBits: 256, encoded: true });
    const b32 = base32(bytes(7, 25)); // 40 characters, 200 bits
    expect(b32).toHaveLength(40);
    expect(score(`${b32}.example.com`)).toMatchObject({ payloadBits: 200, encoded: true, encoding: 'base32' });
    expect(score(`${b32.slice(0, 39)}.example.com`)).toMatchObject({ payloadBits: 195, encoded: false });
  });

  it('honours its thresholds', () => {
    const name = `${base32(bytes(8, 20))}.example.com`; // 32 characters, 160 bits
    const qn = queryDomain(name)!;
    expect(scoreQueryName(qn.sub).encoded).toBe(false);
    expect(scoreQueryName(qn.sub, { ...QUERY_SCORE_DEFAULTS, minPayloadBits: 160 }).encoded).toBe(true);
    expect(scoreQueryName(qn.sub, { ...QUERY_SCORE_DEFAULTS, longRunChars: 32 }).encoded).toBe(true);
    expect(scoreQueryName(qn.sub, { ...QUERY_SCORE_DEFAULTS, minRunChars: 33, minPayloadBits: 1 }).payloadBits).toBe(0);
  });

  it('rejects a bad config, naming every bad key', () => {
    expect(queryScoreConfigErrors(QUERY_SCORE_DEFAULTS)).toEqual([]);
    const bad = queryScoreConfigErrors({ minPayloadBits: 0, longRunChars: 5, minRunChars: 12, maxVowelShare: 2, minEntropyRatio: -1, minBinaryShare: 0 }, 'x.');
    expect(bad).toHaveLength(5);
    for (const b of bad) expect(b.startsWith('x.')).toBe(true);
  });
});

describe('scoreQueryName: benign look-alikes', () => {
  it.each(BENIGN_LOOKALIKES)('%s carries no payload', (name) => {
    const s = score(name);
    if (s !== null) expect(s.encoded, JSON.stringify(s)).toBe(false);
  });

  it('browsing names carry no payload', () => {
    for (const name of BROWSING_NAMES) expect(score(name)?.encoded ?? false, name).toBe(false);
  });

  it('skips reverse, mDNS, DNS-SD and mail-authentication names before judging', () => {
    for (const name of ['4.3.2.1.in-addr.arpa', '_googlecast._tcp.local', '_dmarc.example.com', 'selector1._domainkey.example.com']) {
      expect(score(name), name).toBeNull();
    }
  });

  it('does not count UUID parts, dashed addresses or IDNA labels as data', () => {
    expect(score('e4b1c9d2-3f6a-4b8e-9c7d-1a2b3c4d5e6f.6f1c2a3b-8d4e-4f5a-9b6c-7d8e9f0a1b2c.example.com')).toMatchObject({ payloadBits: 0, encoding: 'none' });
    expect(score('2a02-8108-1234-5678-abcd-ef01-2345-6789.dyn.example.net')!.payloadBits).toBe(0);
    expect(score('xn--80aaacfjb6abhbjhlq1bgfh7m.xn--80aaacfjb6abhbjhlq1bgfh7m.xn--p1ai')!.payloadBits).toBe(0);
  });

  it('does not count words, numbers or repeated filler', () => {
    expect(score('averyveryverylongsubdomainnamethatisjustwords.example.com')!.payloadBits).toBe(0);
    expect(score(`${'1234567890'.repeat(6)}.example.com`)!.payloadBits).toBe(0);
    expect(score(`${'a'.repeat(30)}1${'a'.repeat(30)}.example.com`)!.payloadBits).toBe(0);
  });

  it('takes a raw UTF-8 word (two high octets in a label) for a word, not binary payload', () => {
    // "münchen-straßen-bahn-fahrplan-auskunft" sent as raw UTF-8 by a broken client.
    const s = score('m\\195\\188nchen-stra\\195\\159en-bahn-fahrplan-auskunft.example.de')!;
    expect(s.nonHostnameOctets).toBe(4);
    expect(s.encoded).toBe(false);
  });
});
