// Builds flows for the per-ACE tests: a context in which every MUD class of a profile has members,
// and, for one rule spec, a flow that the spec allows and no earlier ACE catches — found by
// trying the boundary values of each constrained field and a few values of each free one.
import {
  compileProfile, parseIpAddress, parsePrefix, type CompiledPolicy, type FlowQuery, type MudProfile,
  type PolicyContext, type RuleSpec, type Verdict,
} from '../../../../policies/index.js';
import { familyList, type AddressRef, type PortRange } from '../../../../policies/compile/rule-spec.js';
import { prefixContains, type IpPrefix } from '../../../../policies/net/ip-address.js';

export const DEVICE_MAC = '00:11:22:33:44:55';
/** Addresses that no class of {@link contextFor} contains. */
export const OUTSIDE_V4 = '198.51.100.77';
export const OUTSIDE_V6 = '2001:db8:ffff::77';

/** A context in which every class the profile uses has members (TEST-NET and fd00:1::/64 addresses). */
export function contextFor(profile: MudProfile): PolicyContext {
  const peers: { mudUrl: string; addresses: string[] }[] = [];
  let n = 40;
  const addPeer = (mudUrl: string): void => {
    peers.push({ mudUrl, addresses: [`192.168.1.${n}`, `fd00:1::${n}`] });
    n++;
  };
  addPeer(`https://${profile.authority}/sibling-device`);
  for (const acl of profile.acls) {
    for (const ace of acl.aces) {
      const m = ace.matches.mud;
      if (m?.manufacturer) addPeer(`https://${m.manufacturer}/some-device`);
      if (m?.model) addPeer(m.model);
    }
  }
  return {
    deviceMac: DEVICE_MAC,
    localNetworks: ['192.168.1.0/24', 'fd00:1::/64'],
    services: { dns: ['192.168.1.1', 'fd00:1::1'], ntp: ['192.168.1.2'], gateway: ['192.168.1.1', 'fd00:1::1'] },
    controllers: {
      'http://amazon.com/dashserver': ['192.168.1.20', 'fd00:1::20'],
      'https://controller.nist.local': ['192.168.1.21', 'fd00:1::21'],
    },
    myControllers: { [profile.mudUrl]: ['192.168.1.30', 'fd00:1::30'] },
    peers,
  };
}

const words = (text: string): [number, number, number, number] => {
  const a = parseIpAddress(text)!;
  return [...a.words] as [number, number, number, number];
};

/** Candidate addresses inside every non-DNS condition of one side (or defaults when none). */
function addressCandidates(policy: CompiledPolicy, refs: readonly AddressRef[], family: 4 | 6): [number, number, number, number][] {
  const fixed = refs.filter((r) => r.kind !== 'dns');
  const sets: IpPrefix[][] = fixed.map((r) => policy.classPrefixes(r).filter((p) => p.family === family));
  const pool: [number, number, number, number][] = [];
  for (const p of sets.flat()) {
    const w = [...p.words] as [number, number, number, number];
    pool.push(w);
    const last = family === 4 ? 0 : 3;
    const bumped = [...w] as [number, number, number, number];
    bumped[last] = (bumped[last]! + 0x11) >>> 0;
    pool.push(bumped);
  }
  if (fixed.length === 0) pool.push(words(family === 4 ? '203.0.113.7' : '2001:db8::7'));
  return pool.filter((w) => sets.every((s) => s.some((p) => prefixContains(p, w[0], w[1], w[2], w[3]))));
}

function portCandidates(r: PortRange | undefined, transport: boolean): number[] {
  if (!transport) return [-1];
  if (!r) return [50000, 80, 1];
  if (r.neq) return [r.lo < 65535 ? r.lo + 1 : r.lo - 1];
  return [...new Set([r.lo, r.hi, Math.min(r.hi, r.lo + 1), Math.max(r.lo, r.hi - 1), (r.lo + r.hi) >>> 1])];
}

/** Whether a verdict names the spec's ACE. */
export function namesAce(v: Verdict, s: RuleSpec): boolean {
  return v.allowed ? v.acl === s.acl && v.ace === s.ace : v.acl === s.acl && v.nearestAce === s.ace && v.action !== undefined;
}

/** The profile reduced to the one ACE of `spec`: whatever it allows, that ACE allows. */
export function isolate(profile: MudProfile, spec: RuleSpec): MudProfile {
  const acl = profile.acls.find((a) => a.name === spec.acl)!;
  const only = { ...acl, aces: acl.aces.filter((a) => a.name === spec.ace) };
  return {
    ...profile,
    acls: [only],
    fromDevicePolicy: spec.direction === 'from-device' ? [acl.name] : [],
    toDevicePolicy: spec.direction === 'to-device' ? [acl.name] : [],
  };
}

/**
 * Finds a flow whose verdict satisfies `accept` (default: names `spec`), with a fresh policy per
 * candidate peer address so that DNS registrations do not leak between tries.
 */
export function flowForRule(
  profile: MudProfile, ctx: PolicyContext, spec: RuleSpec, accept: (v: Verdict) => boolean = (v) => namesAce(v, spec),
): { flow: FlowQuery; policy: CompiledPolicy } | undefined {
  for (const family of familyList(spec)) {
    const base = compileProfile(profile, ctx);
    if (family === 0) {
      const policy = compileProfile(profile, ctx);
      const flow: FlowQuery = {
        direction: spec.direction, family: 0, peer0: 0, peer1: 0, peer2: 0, peer3: 0, proto: -1,
        devicePort: -1, peerPort: -1, initiatedByDevice: null, ethertype: spec.ethertype ?? 0x88b5,
        peerMac: spec.peerMac?.mac ?? 0x020000000001,
      };
      if (accept(policy.decide(flow))) return { flow, policy };
      continue;
    }
    const protoSpec = family === 4 ? spec.proto4 : spec.proto6;
    const protos = protoSpec !== undefined ? [protoSpec] : [6, 17, family === 4 ? 1 : 58, 132];
    const peers = addressCandidates(base, spec.peer, family);
    const devs = spec.device.length > 0 ? addressCandidates(base, spec.device, family) : [undefined];
    const inits = spec.initiatedBy === 'device' ? [true] : spec.initiatedBy === 'peer' ? [false] : [true, false, null];
    for (const peer of peers) {
      const policy = compileProfile(profile, ctx);
      for (const ref of [...spec.peer, ...spec.device]) {
        if (ref.kind === 'dns') policy.onDnsAnswer(ref.name, family, peer[0], peer[1], peer[2], peer[3], 300, 1_000_000);
      }
      for (const dev of devs) {
        for (const proto of protos) {
          const transport = proto === 6 || proto === 17;
          const icmp = proto === 1 || proto === 58;
          const icmpTypes = spec.icmpType !== undefined ? [spec.icmpType] : icmp ? [8, 0, 3] : [undefined];
          for (const devicePort of portCandidates(spec.devicePort, transport)) {
            for (const peerPort of portCandidates(spec.peerPort, transport)) {
              for (const initiatedByDevice of inits) {
                for (const icmpType of icmpTypes) {
                  const flow: FlowQuery = {
                    direction: spec.direction, family,
                    peer0: peer[0], peer1: peer[1], peer2: peer[2], peer3: peer[3],
                    ...(dev && { device0: dev[0], device1: dev[1], device2: dev[2], device3: dev[3] }),
                    proto, devicePort, peerPort, initiatedByDevice,
                    ...(icmpType !== undefined && { icmpType, icmpCode: spec.icmpCode ?? 0 }),
                    peerMac: spec.peerMac?.mac ?? 0x020000000001,
                    ts: 2_000_000,
                  };
                  if (accept(policy.decide(flow))) return { flow, policy };
                }
              }
            }
          }
        }
      }
    }
  }
  return undefined;
}

/** Words of an outside address of the family. */
export function outsideWords(family: 4 | 6): [number, number, number, number] {
  return words(family === 4 ? OUTSIDE_V4 : OUTSIDE_V6);
}

/** Re-exported for tests that build prefixes. */
export { parsePrefix };
