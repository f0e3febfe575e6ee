// The registrable-domain heuristic the DNS detectors group by: last two labels, three under a
// common second-level suffix of a country TLD; and which query names they skip.
import { describe, expect, it } from 'vitest';
import {
  NO_PUBLIC_TLD, isPlausibleTld, labelOctets, nameHash, queryDomain, registrableDomain, splitLabels,
} from '../../../gateway/detect/registrable-domain.js';

describe('registrableDomain', () => {
  it('keeps the last two labels', () => {
    expect(registrableDomain('www.example.com')).toBe('example.com');
    expect(registrableDomain('a.b.c.example.org')).toBe('example.org');
    expect(registrableDomain('example.com')).toBe('example.com');
    expect(registrableDomain('d1a2b3c4.cloudfront.net')).toBe('cloudfront.net');
    expect(registrableDomain('bridge.meethue.com')).toBe('meethue.com');
  });

  it('keeps three under a common second-level suffix of a two-letter TLD', () => {
    expect(registrableDomain('www.bbc.co.uk')).toBe('bbc.co.uk');
    expect(registrableDomain('x.y.example.com.au')).toBe('example.com.au');
    // "go" is not on the list: the heuristic groups every go.jp name under one domain (the PSL would not).
    expect(registrableDomain('ntp.nict.go.jp')).toBe('go.jp');
    expect(registrableDomain('www.example.ne.jp')).toBe('example.ne.jp');
    expect(registrableDomain('a.example.or.kr')).toBe('example.or.kr');
    expect(registrableDomain('ntp.sjtu.edu.cn')).toBe('sjtu.edu.cn');
    expect(registrableDomain('www.example.ac.uk')).toBe('example.ac.uk');
    expect(registrableDomain('co.uk')).toBe('co.uk');
    // Only under a two-letter TLD: "co.com" is a registrable name of its own.
    expect(registrableDomain('x.co.com')).toBe('co.com');
  });

  it('ignores case and a trailing dot', () => {
    expect(registrableDomain('WWW.Example.COM.')).toBe('example.com');
  });

  it('gives null for a single label or a last label that cannot be a TLD', () => {
    expect(registrableDomain('localhost')).toBeNull();
    expect(registrableDomain('')).toBeNull();
    expect(registrableDomain('dnscat.f97c01f5006c798b8d6e990002e3772bc8')).toBeNull();
    expect(registrableDomain('host.123')).toBeNull();
  });
});

describe('isPlausibleTld', () => {
  it('accepts 2–24 letters and IDNA A-labels', () => {
    expect(isPlausibleTld('com')).toBe(true);
    expect(isPlausibleTld('uk')).toBe(true);
    expect(isPlausibleTld('travelersinsurance')).toBe(true);
    expect(isPlausibleTld('xn--p1ai')).toBe(true);
    expect(isPlausibleTld('a')).toBe(false);
    expect(isPlausibleTld('c0m')).toBe(false);
    expect(isPlausibleTld('a'.repeat(25))).toBe(false);
  });
});

describe('splitLabels and labelOctets', () => {
  it('splits on unescaped dots only and counts escaped octets once', () => {
    expect(splitLabels('a.b.c')).toEqual(['a', 'b', 'c']);
    expect(splitLabels('a\\.b.c')).toEqual(['a\\.b', 'c']);
    expect(splitLabels('')).toEqual([]);
    expect(labelOctets('a\\.b')).toBe('a.b');
    expect(labelOctets('\\255\\000x')).toBe('\xff\x00x');
    expect(labelOctets('\\\\')).toBe('\\');
    expect(labelOctets('plain')).toBe('plain');
  });
});

describe('queryDomain', () => {
  it('splits a name into domain and subdomain labels', () => {
    expect(queryDomain('a.b.example.com')).toEqual({ domain: 'example.com', sub: ['a', 'b'] });
    expect(queryDomain('example.com')).toEqual({ domain: 'example.com', sub: [] });
    expect(queryDomain('x.bbc.co.uk')).toEqual({ domain: 'bbc.co.uk', sub: ['x'] });
  });

  it('groups names without a plausible TLD under one pseudo-domain, whole name as subdomain', () => {
    expect(queryDomain('dnscat.f97c01f5006c798b8d6e990002e3772bc8')).toEqual({
      domain: NO_PUBLIC_TLD, sub: ['dnscat', 'f97c01f5006c798b8d6e990002e3772bc8'],
    });
  });

  it('skips mDNS, reverse lookups, DNS-SD service names, IP literals and single labels', () => {
    expect(queryDomain('dcs-935l.local')).toBeNull();
    expect(queryDomain('176.10.10.10.in-addr.arpa')).toBeNull();
    expect(queryDomain('f.6.d.3.9.a.e.f.f.f.8.7.d.8.2.9.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa')).toBeNull();
    expect(queryDomain('router.home.arpa')).toBeNull();
    expect(queryDomain('_dhnap._tcp.local')).toBeNull();
    expect(queryDomain('b._dns-sd._udp.example.com')).toBeNull();
    expect(queryDomain('_sip._tcp.example.com')).toBeNull();
    expect(queryDomain('_acme-challenge.www.example.com')).toBeNull();
    // A base64url data label that happens to start with "_" is not a service label.
    expect(queryDomain('_q9xkz_81b-aq.example.com')).toEqual({ domain: 'example.com', sub: ['_q9xkz_81b-aq'] });
    expect(queryDomain('192.168.1.1')).toBeNull();
    expect(queryDomain('wpad')).toBeNull();
  });
});

describe('nameHash', () => {
  it('is stable and tells names apart', () => {
    expect(nameHash('abc')).toBe(nameHash('abc'));
    expect(nameHash('abc')).not.toBe(nameHash('abd'));
    expect(nameHash('')).toBe(0x811c9dc5);
  });
});
