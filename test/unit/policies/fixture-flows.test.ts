// For every accepted fixture profile: one flow per ACE that the ACE allows, with the verdict
// naming that ACE; the same flow with one constrained field moved out is not credited to it;
// flows outside every ACE are denied.
import { describe, expect, it } from 'vitest';
import { compileProfile, parseMud, type FlowQuery, type MudProfile } from '../../../policies/index.js';
import { listMudFixtures, readFixture } from './helpers/mud-fixtures.js';
import { contextFor, flowForRule, isolate, namesAce, outsideWords } from './helpers/flow-for-rule.js';

/**
 * ACEs that an earlier ACE of the same ACL already covers (mudgee emits redundant entries), in the
 * context of {@link contextFor} (whose gateway address is local), and the ACE credited instead.
 * Every flow such an ACE allows is allowed — by the earlier ACE, as first-match requires (RFC 8519).
 */
const SHADOWED: Record<string, Record<string, string>> = {
  'mud/mud-visualizer/belkincameraMud.json': {
    'from-ipv4-belkincamera-14': 'from-ipv4-belkincamera-2', // -2: tcp dport 5104 to any address
    'to-ipv4-belkincamera-12': 'to-ipv4-belkincamera-10', // -10: any udp from local networks
  },
  'mud/mud-visualizer/samsungsmartcamMud.json': {
    'from-ipv4-samsungsmartcam-11': 'from-ipv4-samsungsmartcam-8', // -8: local tcp sport 40156-65500
    'from-ipv4-samsungsmartcam-14': 'from-ipv4-samsungsmartcam-6', // -6: udp sport 1024-65535 anywhere; -12 any local udp
    'to-ipv4-samsungsmartcam-7': 'to-ipv4-samsungsmartcam-6', // -6: any udp from local networks
    'to-ipv4-samsungsmartcam-9': 'to-ipv4-samsungsmartcam-3', // -3: local tcp dport 40156-65500
  },
};

const accepted: [string, MudProfile][] = [];
for (const f of listMudFixtures()) {
  const r = parseMud(readFixture(f));
  if (r.ok) accepted.push([f, r.profile]);
}

describe('per-ACE flows of every accepted fixture', () => {
  it('has accepted fixtures to test', () => {
    expect(accepted.length).toBeGreaterThan(30);
  });

  describe.each(accepted)('%s', (file, profile) => {
    const ctx = contextFor(profile);
    const specs = (() => {
      const p = compileProfile(profile, ctx);
      return [...p.rules.fromDevice, ...p.rules.toDevice];
    })();

    it.each(specs.map((s) => [`${s.direction} ${s.acl} / ${s.ace}`, s] as const))('%s: a flow it allows is credited to it', (_n, spec) => {
      const shadowedBy = SHADOWED[file]?.[spec.ace];
      if (shadowedBy !== undefined) {
        // A flow the ACE allows on its own; the full policy credits the earlier ACE.
        const alone = flowForRule(isolate(profile, spec), ctx, spec);
        expect(alone, `no flow satisfies ACE ${spec.ace} even alone`).toBeDefined();
        expect(flowForRule(profile, ctx, spec), `${spec.ace} is reachable: remove it from SHADOWED`).toBeUndefined();
        const v = compileProfile(profile, ctx);
        for (const ref of spec.peer) {
          if (ref.kind === 'dns') v.onDnsAnswer(ref.name, 4, alone!.flow.peer0, 0, 0, 0, 300, 1_000_000);
        }
        expect(v.decide(alone!.flow)).toEqual({ allowed: true, acl: spec.acl, ace: shadowedBy });
        return;
      }
      const found = flowForRule(profile, ctx, spec);
      expect(found, `no flow found for ACE ${spec.ace} of ACL ${spec.acl}`).toBeDefined();
      const v = found!.policy.decide(found!.flow);
      expect(v.allowed).toBe(spec.action === 'accept');
      expect(namesAce(v, spec)).toBe(true);

      // Move each constrained field out of the ACE: the verdict must no longer name it.
      const f = found!.flow;
      const outside = (g: Partial<FlowQuery>): void => {
        const v2 = found!.policy.decide({ ...f, ...g });
        expect(namesAce(v2, spec), `still credited after ${JSON.stringify(g)}`).toBe(false);
      };
      if (f.family !== 0) {
        if ((f.family === 4 ? spec.proto4 : spec.proto6) !== undefined) outside({ proto: f.proto === 6 ? 17 : 6 });
        for (const [key, r] of [['devicePort', spec.devicePort], ['peerPort', spec.peerPort]] as const) {
          if (!r) continue;
          if (r.neq) outside({ [key]: r.lo });
          else if (r.lo > 0) outside({ [key]: r.lo - 1 });
          else if (r.hi < 65535) outside({ [key]: r.hi + 1 });
        }
        if (spec.initiatedBy) outside({ initiatedByDevice: spec.initiatedBy !== 'device' });
        if (spec.initiatedBy) outside({ initiatedByDevice: null });
        if (spec.icmpType !== undefined) outside({ icmpType: (spec.icmpType + 1) % 256 });
        if (spec.peer.length > 0) {
          const w = outsideWords(f.family);
          outside({ peer0: w[0], peer1: w[1], peer2: w[2], peer3: w[3] });
        }
      } else if (spec.ethertype !== undefined) {
        outside({ ethertype: spec.ethertype ^ 0x0100 });
      }
    });

    it('denies flows outside every ACE', () => {
      const policy = compileProfile(profile, ctx);
      for (const direction of ['from-device', 'to-device'] as const) {
        for (const family of [4, 6] as const) {
          const w = outsideWords(family);
          for (const [proto, devicePort, peerPort] of [[132, 9, 9], [6, 9, 9], [17, 9, 9]] as const) {
            const v = policy.decide({
              direction, family, peer0: w[0], peer1: w[1], peer2: w[2], peer3: w[3], proto, devicePort, peerPort,
              initiatedByDevice: null, ts: 2_000_000,
            });
            expect(v.allowed, `${direction} v${family} proto ${proto} allowed by ${JSON.stringify(v)}`).toBe(false);
          }
        }
        const v0 = policy.decide({
          direction, family: 0, peer0: 0, peer1: 0, peer2: 0, peer3: 0, proto: -1, devicePort: -1, peerPort: -1,
          initiatedByDevice: null, ethertype: 0x88b5,
        });
        expect(v0.allowed).toBe(false);
      }
    });
  });
});
