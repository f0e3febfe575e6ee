// Each refusal code on a hand-built broken document, asserted by code and JSON Pointer (never by
// message text). A last test checks that every refusal code of the registry is exercised here.
import { describe, expect, it } from 'vitest';
import { MUD_ISSUES, parseMud, type MudIssueCode } from '../../../policies/index.js';
import { acePtr, aclsOf, DELETE, text, validDoc, withMember, type Doc } from './helpers/mud-doc.js';

const ACE0 = acePtr(0, 0); // to-device ACE: ipv6 src-dnsname, tcp source-port 443
const ACE1 = acePtr(1, 0); // from-device ACE
const ACL0 = '/ietf-access-control-list:acls/acl/0';
const MUD = '/ietf-mud:mud';

/** [code, document text (or builder), options, expected JSON Pointer]. */
const CASES: [MudIssueCode, () => string, { maxBytes?: number; maxDepth?: number } | undefined, string][] = [
  ['json.syntax', () => '{\n  "ietf-mud:mud": {\n    "mud-url": "x",\n  }\n}', undefined, ''],
  ['json.too-large', () => text(validDoc()), { maxBytes: 100 }, ''],
  ['json.too-deep', () => `${'['.repeat(80)}${']'.repeat(80)}`, undefined, ''],
  ['json.duplicate-member', () => text(validDoc()).replace('"mud-version": 1,', '"mud-version": 1, "mud-version": 1,'), undefined, `${MUD}/mud-version`],
  ['value.wrong-type', () => text(withMember(validDoc(), `${ACE0}/matches/tcp/source-port/port`, '443')), undefined, `${ACE0}/matches/tcp/source-port/port`],
  ['value.out-of-range', () => text(withMember(validDoc(), `${ACE0}/matches/ipv6/protocol`, 256)), undefined, `${ACE0}/matches/ipv6/protocol`],
  ['value.bad-enum', () => text(withMember(validDoc(), `${ACE0}/matches/tcp/source-port/operator`, 'lt')), undefined, `${ACE0}/matches/tcp/source-port/operator`],
  ['value.bad-network', () => text(withMember(validDoc(), `${ACE1}/matches/ipv6`, { protocol: 6, 'destination-ipv6-network': '192.168.1.1' })), undefined, `${ACE1}/matches/ipv6/destination-ipv6-network`],
  ['value.bad-mac', () => text(withMember(validDoc(), `${ACE0}/matches/eth`, { 'source-mac-address': '00:11:22:33:44' })), undefined, `${ACE0}/matches/eth/source-mac-address`],
  ['value.bad-ethertype', () => text(withMember(validDoc(), `${ACE0}/matches/eth`, { ethertype: 'ipx-spx' })), undefined, `${ACE0}/matches/eth/ethertype`],
  ['value.bad-host', () => text(withMember(validDoc(), `${ACE0}/matches/ipv6/ietf-acldns:src-dnsname`, 'bad name.example')), undefined, `${ACE0}/matches/ipv6/ietf-acldns:src-dnsname`],
  ['value.bad-uri', () => text(withMember(validDoc(), `${ACE0}/matches/ietf-mud:mud`, { controller: 'not a uri' })), undefined, `${ACE0}/matches/ietf-mud:mud/controller`],
  ['mud.missing-root', () => text(withMember(validDoc(), MUD, DELETE)), undefined, MUD],
  ['mud.missing-mud-url', () => text(withMember(validDoc(), `${MUD}/mud-url`, DELETE)), undefined, `${MUD}/mud-url`],
  ['mud.bad-mud-url', () => text(withMember(validDoc(), `${MUD}/mud-url`, 'lightbulb2000')), undefined, `${MUD}/mud-url`],
  ['mud.unsupported-version', () => text(withMember(validDoc(), `${MUD}/mud-version`, 2)), undefined, `${MUD}/mud-version`],
  ['mud.conflicting-acl-roots', () => {
    const d = validDoc();
    return text(withMember(d, '/ietf-access-control-list:access-lists', d['ietf-access-control-list:acls']));
  }, undefined, '/ietf-access-control-list:access-lists'],
  ['draft.conflicting-names', () => text(withMember(validDoc(), `${ACL0}/acl-name`, 'mud-76100-v6to')), undefined, `${ACL0}/acl-name`],
  ['draft.ambiguous-ports', () => text(withMember(validDoc(), `${ACE0}/matches`, {
    ipv6: { protocol: 58, 'source-port-range': { 'lower-port': 1, 'upper-port': 2 } },
  })), undefined, `${ACE0}/matches/ipv6/source-port-range`],
  ['policy.unknown-acl', () => text(withMember(validDoc(), `${MUD}/from-device-policy/access-lists/access-list/0/name`, 'nope')), undefined, `${MUD}/from-device-policy/access-lists/access-list/0/name`],
  ['acl.missing-name', () => text(withMember(validDoc(), `${ACL0}/name`, DELETE)), undefined, ACL0],
  ['acl.duplicate-name', () => text(withMember(validDoc(), '/ietf-access-control-list:acls/acl/1/name', 'mud-76100-v6to')), undefined, '/ietf-access-control-list:acls/acl/1/name'],
  ['acl.unknown-type', () => text(withMember(validDoc(), `${ACL0}/type`, 'ipv5-acl-type')), undefined, `${ACL0}/type`],
  ['ace.missing-name', () => text(withMember(validDoc(), `${ACE0}/name`, DELETE)), undefined, ACE0],
  ['ace.duplicate-name', () => {
    const d = validDoc();
    const ace = aclsOf(d)[0]!.aces.ace[0]!;
    return text(withMember(d, acePtr(0, 1), ace));
  }, undefined, `${acePtr(0, 1)}/name`],
  ['ace.missing-actions', () => text(withMember(validDoc(), `${ACE0}/actions`, DELETE)), undefined, ACE0],
  ['ace.missing-forwarding', () => text(withMember(validDoc(), `${ACE0}/actions`, { logging: 'log-none' })), undefined, `${ACE0}/actions`],
  ['ace.conflicting-matches', () => text(withMember(validDoc(), `${ACE0}/matches/ipv6/protocol`, 17)), undefined, `${ACE0}/matches/ipv6/protocol`],
  ['ace.port-out-of-range', () => text(withMember(validDoc(), `${ACE0}/matches/tcp/source-port/port`, 70000)), undefined, `${ACE0}/matches/tcp/source-port/port`],
  ['ace.port-range-inverted', () => text(withMember(validDoc(), `${ACE0}/matches/tcp/source-port`, { 'lower-port': 10, 'upper-port': 5 })), undefined, `${ACE0}/matches/tcp/source-port/lower-port`],
  ['ace.port-ambiguous', () => text(withMember(validDoc(), `${ACE0}/matches/tcp/source-port`, { 'lower-port': 10 })), undefined, `${ACE0}/matches/tcp/source-port`],
];

describe('MUD parser refusals', () => {
  it('accepts the base document cleanly', () => {
    const r = parseMud(text(validDoc()));
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([]);
  });

  it.each(CASES)('%s', (code, build, opts, path) => {
    const r = parseMud(build(), opts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => ({ code: e.code, path: e.path }))).toContainEqual({ code, path });
  });

  it('gives line and column for malformed JSON', () => {
    const r = parseMud('{\n  "ietf-mud:mud": {\n    "mud-url": "x",\n  }\n}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: 'json.syntax', path: '', line: 4, column: 3 });
  });

  it('refuses other contradictions as ace.conflicting-matches', () => {
    const both = parseMud(text(withMember(validDoc(), `${ACE0}/matches/ipv4`, { protocol: 6 })));
    const familyVsType = parseMud(text(withMember(withMember(validDoc(), `${ACE0}/matches/ipv6`, DELETE), `${ACE0}/matches/ipv4`, { protocol: 6 })));
    const tcpAndUdp = parseMud(text(withMember(validDoc(), `${ACE0}/matches/udp`, {})));
    const dnsAndNet = parseMud(text(withMember(validDoc(), `${ACE0}/matches/ipv6/source-ipv6-network`, '2001:db8::/32')));
    for (const [r, path] of [
      [both, `${ACE0}/matches/ipv4`],
      [familyVsType, `${ACE0}/matches`],
      [tcpAndUdp, `${ACE0}/matches/udp`],
      [dnsAndNet, `${ACE0}/matches/ipv6/ietf-acldns:src-dnsname`],
    ] as const) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => ({ code: e.code, path: e.path }))).toContainEqual({ code: 'ace.conflicting-matches', path });
    }
  });

  it('refuses wrong JSON types wherever they are', () => {
    const cases: [Doc, string][] = [
      [withMember(validDoc(), `${MUD}/is-supported`, 'yes'), `${MUD}/is-supported`],
      [withMember(validDoc(), `${MUD}/mud-url`, 42), `${MUD}/mud-url`],
      [withMember(validDoc(), '/ietf-access-control-list:acls/acl', {}), '/ietf-access-control-list:acls/acl'],
      [withMember(validDoc(), `${ACE0}/matches/ietf-mud:mud`, { 'local-networks': true }), `${ACE0}/matches/ietf-mud:mud/local-networks`],
    ];
    for (const [doc, path] of cases) {
      const r = parseMud(text(doc));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => ({ code: e.code, path: e.path }))).toContainEqual({ code: 'value.wrong-type', path });
    }
    const root = parseMud('[1, 2]');
    expect(root.ok).toBe(false);
    if (!root.ok) expect(root.errors[0]).toMatchObject({ code: 'value.wrong-type', path: '' });
  });

  it('exercises every refusal code of the registry', () => {
    const refusals = Object.entries(MUD_ISSUES).filter(([, [sev]]) => sev === 'refusal').map(([c]) => c).sort();
    expect([...new Set(CASES.map((c) => c[0]))].sort()).toEqual(refusals);
  });
});
