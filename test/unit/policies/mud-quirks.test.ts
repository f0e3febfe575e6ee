// Each tolerated quirk and each warning: the document is still accepted, the warning names its
// code and JSON Pointer, and the profile holds the one safe reading. The last test checks that
// every warning code of the registry is exercised here.
import { describe, expect, it } from 'vitest';
import { MUD_ISSUES, parseMud, type MudIssueCode, type MudProfile } from '../../../policies/index.js';
import { compileProfile } from '../../../policies/index.js';
import { acePtr, aclsOf, DELETE, text, validDoc, withMember, type Doc } from './helpers/mud-doc.js';

const ACE0 = acePtr(0, 0);
const ACL0 = '/ietf-access-control-list:acls/acl/0';
const MUD = '/ietf-mud:mud';
const DRAFT = '/ietf-access-control-list:access-lists';

/** Moves the ACLs under the draft-era root. */
function draftRoot(d: Doc): Doc {
  return withMember(withMember(d, DRAFT, d['ietf-access-control-list:acls']), '/ietf-access-control-list:acls', DELETE);
}
const ace0 = (p: MudProfile) => p.acls[0]!.aces[0]!;

/** [code, document, expected path, check of the reading]. */
const CASES: [MudIssueCode, () => Doc, string, (p: MudProfile) => void][] = [
  ['mud.draft-access-lists-root', () => draftRoot(validDoc()), DRAFT, (p) => expect(p.acls.map((a) => a.name)).toEqual(['mud-76100-v6to', 'mud-76100-v6fr'])],
  ['mud.missing-mud-version', () => withMember(validDoc(), `${MUD}/mud-version`, DELETE), `${MUD}/mud-version`, (p) => expect(p.mudVersion).toBe(1)],
  ['mud.missing-mandatory', () => withMember(validDoc(), `${MUD}/last-update`, DELETE), `${MUD}/last-update`, (p) => expect(p.lastUpdate).toBeUndefined()],
  ['mud.bad-last-update', () => withMember(validDoc(), `${MUD}/last-update`, 'yesterday'), `${MUD}/last-update`, (p) => expect(p.lastUpdate).toBe('yesterday')],
  ['mud.cache-validity-out-of-range', () => withMember(validDoc(), `${MUD}/cache-validity`, 200), `${MUD}/cache-validity`, (p) => expect(p.cacheValidity).toBe(168)],
  ['mud.not-https', () => withMember(validDoc(), `${MUD}/mud-url`, 'http://Lighting.example.com/bulb'), `${MUD}/mud-url`, (p) => expect(p.authority).toBe('lighting.example.com')],
  ['mud.device-unsupported', () => withMember(validDoc(), `${MUD}/is-supported`, false), `${MUD}/is-supported`, (p) => expect(p.isSupported).toBe(false)],
  ['mud.undeclared-extension', () => withMember(validDoc(), `${MUD}/ietf-mud-reporter-extension:reporter`, { 'report-uri': 'http://localhost:8080' }), `${MUD}/ietf-mud-reporter-extension:reporter`, (p) => expect(p.extensions).toEqual([])],
  ['mud.extension-ignored', () => withMember(validDoc(), `${MUD}/extensions`, ['ol']), `${MUD}/extensions/0`, (p) => expect(p.extensions).toEqual(['ol'])],
  ['mud.unknown-member', () => withMember(validDoc(), `${MUD}/colour`, 'blue'), `${MUD}/colour`, (p) => expect(p.mudUrl).toContain('lightbulb2000')],
  ['draft.member-name', () => {
    const d = withMember(validDoc(), `${ACE0}/rule-name`, 'cl0-todev');
    return withMember(d, `${ACE0}/name`, DELETE);
  }, `${ACE0}/rule-name`, (p) => expect(ace0(p).name).toBe('cl0-todev')],
  ['draft.acl-type-value', () => withMember(validDoc(), `${ACL0}/type`, 'ipv6-acl'), `${ACL0}/type`, (p) => expect(p.acls[0]!.type).toBe('ipv6-acl-type')],
  ['draft.policy-acl-type', () => withMember(validDoc(), `${MUD}/to-device-policy/access-lists/access-list/0/acl-type`, 'ietf-access-control-list:ipv6-acl'),
    `${MUD}/to-device-policy/access-lists/access-list/0/acl-type`, (p) => expect(p.toDevicePolicy).toEqual(['mud-76100-v6to'])],
  ['draft.l3-ports', () => withMember(validDoc(), `${ACE0}/matches`, {
    'ipv6-acl': { protocol: 6, 'ietf-acldns:src-dnsname': 'test.example.com', 'source-port-range': { 'lower-port': 9543, 'upper-port': 9543 } },
  }), `${ACE0}/matches/ipv6-acl/source-port-range`, (p) => expect(ace0(p).matches.l4).toEqual({ protocol: 'tcp', sourcePort: { kind: 'range', lower: 9543, upper: 9543 } })],
  ['policy.empty', () => withMember(validDoc(), `${MUD}/from-device-policy`, { 'access-lists': {} }), `${MUD}/from-device-policy`, (p) => expect(p.fromDevicePolicy).toEqual([])],
  ['policy.duplicate-acl', () => withMember(validDoc(), `${MUD}/to-device-policy/access-lists/access-list/1`, { name: 'mud-76100-v6to' }),
    `${MUD}/to-device-policy/access-lists/access-list/1/name`, (p) => expect(p.toDevicePolicy).toEqual(['mud-76100-v6to'])],
  ['acl.missing-type', () => withMember(validDoc(), `${ACL0}/type`, DELETE), ACL0, (p) => expect(p.acls[0]!.type).toBeUndefined()],
  ['acl.ethernet-acl-type', () => withMember(withMember(validDoc(), `${ACL0}/type`, 'ethernet-acl-type'), `${ACE0}/matches`, {
    'ietf-mud:mud': { 'local-networks': [null] }, eth: { ethertype: 34958 },
  }), `${ACL0}/type`, (p) => expect(p.acls[0]!.type).toBe('eth-acl-type')],
  ['acl.unreferenced', () => withMember(validDoc(), `${MUD}/to-device-policy`, DELETE), ACL0, (p) => expect(p.toDevicePolicy).toEqual([])],
  ['ace.match-outside-acl-type', () => withMember(validDoc(), `${ACE0}/matches/eth`, { ethertype: 34525 }), `${ACE0}/matches/eth`, (p) => expect(ace0(p).matches.eth?.ethertype).toBe(0x86dd)],
  ['ace.ethertype-hex-string', () => withMember(validDoc(), `${ACE0}/matches/eth`, { ethertype: '0x86DD' }), `${ACE0}/matches/eth/ethertype`, (p) => expect(ace0(p).matches.eth?.ethertype).toBe(0x86dd)],
  ['ace.ethertype-is-length', () => withMember(withMember(validDoc(), `${ACL0}/type`, 'eth-acl-type'), `${ACE0}/matches`, { eth: { ethertype: 6 } }),
    `${ACE0}/matches/eth/ethertype`, (p) => expect(ace0(p).matches.eth?.ethertype).toBe(6)],
  ['ace.operator-with-range', () => withMember(validDoc(), `${ACE0}/matches/tcp/source-port`, { operator: 'eq', 'lower-port': 30000, 'upper-port': 49000 }),
    `${ACE0}/matches/tcp/source-port/operator`, (p) => expect(ace0(p).matches.l4?.sourcePort).toEqual({ kind: 'range', lower: 30000, upper: 49000 })],
  ['ace.network-without-prefix', () => withMember(validDoc(), `${ACE0}/matches/ipv6`, { protocol: 6, 'source-ipv6-network': 'fdc1:1bdc:1e84:0:0:0:0:1' }),
    `${ACE0}/matches/ipv6/source-ipv6-network`, (p) => expect(ace0(p).matches.l3?.sourceNetwork?.length).toBe(128)],
  ['ace.network-host-bits', () => withMember(validDoc(), `${ACE0}/matches/ipv6`, { protocol: 6, 'source-ipv6-network': '2001:db8::1/32' }),
    `${ACE0}/matches/ipv6/source-ipv6-network`, (p) => expect(ace0(p).matches.l3?.sourceNetwork?.words).toEqual([0x20010db8, 0, 0, 0])],
  ['ace.protocol-implied', () => withMember(validDoc(), `${ACE0}/matches/ipv6/protocol`, DELETE), `${ACE0}/matches/ipv6/protocol`,
    (p) => expect(compileProfile(p).rules.toDevice[0]!.proto6).toBe(6)],
  ['ace.ipv6-extension-header-protocol', () => withMember(validDoc(), `${ACE0}/matches`, { ipv6: { protocol: 0, 'destination-ipv6-network': 'ff00::/8' } }),
    `${ACE0}/matches/ipv6/protocol`, (p) => expect(ace0(p).matches.l3?.protocol).toBe(0)],
  ['ace.unsupported-match', () => withMember(validDoc(), `${ACE0}/matches/ipv6/ttl`, 64), `${ACE0}/matches/ipv6/ttl`,
    (p) => expect(compileProfile(p).rules.toDevice[0]!.enabled).toBe(false)],
  ['ace.matches-everything', () => withMember(validDoc(), `${ACE0}/matches`, DELETE), `${ACE0}/matches`, (p) => expect(ace0(p).matches).toEqual({ unsupported: [] })],
  ['ace.unknown-logging', () => withMember(validDoc(), `${ACE0}/actions/logging`, 'log-carrier-pigeon'), `${ACE0}/actions/logging`, (p) => expect(ace0(p).logging).toBeUndefined()],
];

describe('MUD parser quirks and warnings', () => {
  it.each(CASES)('%s', (code, build, path, check) => {
    const r = parseMud(text(build()));
    expect(r.ok, r.ok ? '' : JSON.stringify(r.errors)).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.map((w) => ({ code: w.code, path: w.path }))).toContainEqual({ code, path });
    check(r.profile);
  });

  it('reads the draft-era names of osMUD files', () => {
    const d = validDoc();
    const acl = aclsOf(d)[0]!;
    const draft = draftRoot(withMember(d, ACL0, {
      'acl-name': acl.name, 'acl-type': 'ipv6-acl', 'access-list-entries': { ace: [{ 'rule-name': 'r0', matches: { 'ietf-mud:mud-acl': { 'my-controller': [null] } }, actions: { forwarding: 'accept' } }] },
    }));
    const r = parseMud(text(draft));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const codes = r.warnings.map((w) => `${w.code} ${w.path}`);
    expect(codes).toContain(`draft.member-name ${DRAFT}/acl/0/acl-name`);
    expect(codes).toContain(`draft.member-name ${DRAFT}/acl/0/access-list-entries`);
    expect(codes).toContain(`draft.member-name ${DRAFT}/acl/0/access-list-entries/ace/0/rule-name`);
    expect(codes).toContain(`draft.member-name ${DRAFT}/acl/0/access-list-entries/ace/0/matches/ietf-mud:mud-acl`);
    expect(r.profile.acls[0]!.aces[0]!.matches.mud).toEqual({ myController: true });
  });

  it('exercises every warning code of the registry', () => {
    const warnings = Object.entries(MUD_ISSUES).filter(([, [sev]]) => sev === 'warning').map(([c]) => c).sort();
    expect([...new Set(CASES.map((c) => c[0]))].sort()).toEqual(warnings);
  });
});
