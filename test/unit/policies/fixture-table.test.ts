// Every MUD fixture is accepted (with exactly these warning codes) or refused (with exactly these
// codes at these JSON Pointers); none throws. The table is the reviewed verdict per file.
import { describe, expect, it } from 'vitest';
import { parseMud, type MudIssueCode } from '../../../policies/index.js';
import { listMudFixtures, readFixture } from './helpers/mud-fixtures.js';

type Expected =
  | { verdict: 'accepted'; warnings: MudIssueCode[] }
  | { verdict: 'refused'; errors: { code: MudIssueCode; path: string }[]; warnings: MudIssueCode[] };

const DRAFT_ROOT = '/ietf-access-control-list:access-lists';

export const FIXTURE_VERDICTS: Record<string, Expected> = {
  'mud-pairs/tapo-p115/G06-tapo-p115.mud': { verdict: 'accepted', warnings: ['mud.draft-access-lists-root'] },
  'mud/mud-visualizer/HueBulbMud.json': { verdict: 'accepted', warnings: ['ace.ethertype-hex-string', 'ace.ipv6-extension-header-protocol', 'ace.match-outside-acl-type', 'mud.draft-access-lists-root'] },
  'mud/mud-visualizer/NetatmoCameraMud.json': { verdict: 'accepted', warnings: ['ace.ethertype-hex-string', 'ace.ethertype-is-length', 'ace.ipv6-extension-header-protocol', 'ace.match-outside-acl-type', 'acl.ethernet-acl-type', 'mud.draft-access-lists-root'] },
  'mud/mud-visualizer/SmartThingsMud.json': { verdict: 'accepted', warnings: ['ace.ethertype-hex-string', 'ace.match-outside-acl-type', 'mud.draft-access-lists-root'] },
  'mud/mud-visualizer/amazonEchoMud.json': { verdict: 'accepted', warnings: ['ace.ethertype-hex-string', 'ace.ethertype-is-length', 'ace.match-outside-acl-type', 'acl.ethernet-acl-type', 'mud.draft-access-lists-root'] },
  'mud/mud-visualizer/augustdoorbellcamMud.json': { verdict: 'refused', errors: [{ code: 'value.bad-network', path: `${DRAFT_ROOT}/acl/2/aces/ace/2/matches/ipv6/destination-ipv6-network` }], warnings: ['ace.ethertype-hex-string', 'ace.ethertype-is-length', 'ace.ipv6-extension-header-protocol', 'ace.match-outside-acl-type', 'ace.network-without-prefix', 'acl.ethernet-acl-type', 'mud.draft-access-lists-root'] },
  'mud/mud-visualizer/belkincameraMud.json': { verdict: 'accepted', warnings: ['ace.ethertype-hex-string', 'ace.ethertype-is-length', 'acl.ethernet-acl-type', 'mud.draft-access-lists-root'] },
  'mud/mud-visualizer/samsungsmartcamMud.json': { verdict: 'accepted', warnings: ['ace.ethertype-hex-string', 'ace.ethertype-is-length', 'ace.ipv6-extension-header-protocol', 'ace.match-outside-acl-type', 'ace.operator-with-range', 'acl.ethernet-acl-type', 'mud.draft-access-lists-root'] },
  'mud/mud-visualizer/tester_controller.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tester_domain.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tester_domain2.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tester_domain3.json': { verdict: 'accepted', warnings: ['ace.protocol-implied'] },
  'mud/mud-visualizer/tester_domain4.json': { verdict: 'accepted', warnings: ['ace.protocol-implied', 'policy.empty'] },
  'mud/mud-visualizer/tester_local_network.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tester_local_network2.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tester_local_network3_udp.json': { verdict: 'refused', errors: [{ code: 'acl.duplicate-name', path: '/ietf-access-control-list:acls/acl/2/name' }], warnings: [] },
  'mud/mud-visualizer/tester_local_network4_all.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tester_manufacturer.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tester_mycontroller.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tester_mycontroller2.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tester_same_manufacturer.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tester_tcpudp.json': { verdict: 'accepted', warnings: [] },
  'mud/mud-visualizer/tplinkplugMud.json': { verdict: 'accepted', warnings: ['ace.ethertype-hex-string', 'ace.ethertype-is-length', 'ace.match-outside-acl-type', 'acl.ethernet-acl-type', 'mud.draft-access-lists-root'] },
  'mud/nist-mud/mudfile-controllerclass-test.json': { verdict: 'accepted', warnings: [] },
  'mud/nist-mud/mudfile-dhcptest.json': { verdict: 'accepted', warnings: [] },
  'mud/nist-mud/mudfile-dns-test.json': { verdict: 'accepted', warnings: ['mud.undeclared-extension'] },
  'mud/nist-mud/mudfile-local-and-same-mfg-test.json': { verdict: 'accepted', warnings: [] },
  'mud/nist-mud/mudfile-local-networks-test.json': { verdict: 'accepted', warnings: [] },
  'mud/nist-mud/mudfile-mfg-test.json': { verdict: 'accepted', warnings: [] },
  'mud/nist-mud/mudfile-model-test.json': { verdict: 'accepted', warnings: [] },
  'mud/nist-mud/mudfile-mycontrollerclass-test.json': { verdict: 'accepted', warnings: [] },
  'mud/nist-mud/mudfile-mylogging-test.nist.local.json': { verdict: 'accepted', warnings: [] },
  'mud/nist-mud/mudfile-quarantine-test.json': { verdict: 'accepted', warnings: ['mud.undeclared-extension'] },
  'mud/nist-mud/mudfile-same-manufacturer-test.json': { verdict: 'accepted', warnings: [] },
  'mud/nist-mud/mudfile-same-mfg-scale-test.json': { verdict: 'accepted', warnings: [] },
  'mud/nist-mud/mudfile-tcp-direction-test.json': { verdict: 'accepted', warnings: ['mud.undeclared-extension'] },
  'mud/nist-mud/mudfile.json': { verdict: 'accepted', warnings: [] },
  'mud/osmud/MUDFILE.NEST': { verdict: 'accepted', warnings: ['draft.acl-type-value', 'draft.l3-ports', 'draft.member-name', 'draft.policy-acl-type', 'mud.draft-access-lists-root', 'mud.missing-mud-version'] },
  'mud/osmud/ieft-draft.json': { verdict: 'accepted', warnings: [] },
  'mud/osmud/lightbulb2000.json': { verdict: 'accepted', warnings: ['draft.l3-ports', 'draft.member-name', 'mud.draft-access-lists-root'] },
};

describe('MUD fixtures: verdict table', () => {
  const files = listMudFixtures();

  it('lists every fixture file, and only those', () => {
    expect(files).toEqual(Object.keys(FIXTURE_VERDICTS).sort());
  });

  it.each(files)('%s', (file) => {
    const want = FIXTURE_VERDICTS[file]!;
    const r = parseMud(readFixture(file));
    const codes = (list: readonly { code: string }[]): string[] => [...new Set(list.map((i) => i.code))].sort();
    expect(codes(r.warnings)).toEqual([...want.warnings].sort());
    for (const issue of [...r.warnings, ...(r.ok ? [] : r.errors)]) {
      expect(issue.path === '' || issue.path.startsWith('/')).toBe(true);
      expect(issue.message.length).toBeGreaterThan(0);
    }
    if (want.verdict === 'accepted') {
      expect(r.ok, r.ok ? '' : JSON.stringify(r.errors)).toBe(true);
    } else {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.map((e) => ({ code: e.code, path: e.path }))).toEqual(want.errors);
    }
  });
});
