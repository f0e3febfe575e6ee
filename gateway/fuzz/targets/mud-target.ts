// The MUD engine on mutated MUD files: parseMud, then for accepted profiles compile, nftables
// render, ACE text and verdicts. Contract: none of these throws on file content.
import { compileProfile, describeAce, parseMud, renderNft, type FlowQuery } from '../../../policies/index.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { mutateBytes } from '../byte-mutator.js';
import type { FuzzTarget } from '../fuzz-target.js';
import { chance, pick } from '../iteration-random.js';
import { mutateJson } from '../json-mutator.js';

/** JSON punctuation and MUD vocabulary for the raw byte mutations. */
const MUD_DICT = [
  '{', '}', '[', ']', ',', ':', '"', '\\u0000', '\\ud800', 'null', 'true', '1e999', '-0', '"ietf-mud:mud"', '"ietf-access-control-list:acls"',
  '"mud-url"', '"ace"', '"matches"', '"ipv4"', '"ipv6"', '"tcp"', '"udp"', '"eth"', '"ietf-mud:mud"', '"ietf-acldns:dst-dnsname"',
  '"source-port"', '"destination-port"', '"operator"', '"lower-port"', '"upper-port"', '"direction-initiated"', '"from-device"',
  '"controller"', '"my-controller"', '"local-networks"', '"same-manufacturer"', '"manufacturer"', '"model"', '"forwarding"',
].map((s) => Buffer.from(s));

const DEVICE_MAC = '02:00:00:00:00:0a';

/** A random flow to ask the compiled policy about. */
function randomQuery(rng: SeededRandom): FlowQuery {
  const v6 = chance(rng, 0.3);
  return {
    direction: chance(rng, 0.5) ? 'from-device' : 'to-device',
    family: v6 ? 6 : 4,
    peer0: rng.nextU32(), peer1: v6 ? rng.nextU32() : 0, peer2: v6 ? rng.nextU32() : 0, peer3: v6 ? rng.nextU32() : 0,
    device0: 0xc0a8010a, device1: 0, device2: 0, device3: 0,
    proto: pick(rng, [6, 17, 1, 58, 2, -1]),
    devicePort: rng.int(-1, 65535), peerPort: pick(rng, [53, 80, 123, 443, 8883, rng.int(0, 65535)]),
    initiatedByDevice: pick(rng, [true, false, null]),
    icmpType: rng.int(0, 255), icmpCode: rng.int(0, 255),
    ts: 1_700_000_000_000_000 + rng.int(0, 1e9),
  };
}

export const mudTarget: FuzzTarget = {
  name: 'mud',
  description: 'parseMud on mutated MUD files; accepted profiles compiled, rendered to nftables, described and asked verdicts: never throws',
  ext: 'json',
  generator(corpus) {
    const texts = corpus.mud.map((m) => m.text);
    const json = texts.filter((t) => { try { JSON.parse(t); return true; } catch { return false; } });
    const raw = texts.map((t) => Buffer.from(t, 'utf8'));
    return (rng) => {
      // Gentle mutations keep most documents valid, so that the compiler and renderer see odd values too.
      if (json.length > 0 && chance(rng, 0.4)) return mutateJson(pick(rng, json), rng, raw, { gentle: true });
      if (json.length > 0 && chance(rng, 0.7)) return mutateJson(pick(rng, json), rng, raw, { dict: MUD_DICT });
      return mutateBytes(pick(rng, raw), rng, raw, { dict: MUD_DICT, maxLen: 1 << 20 });
    };
  },
  open() {
    return {
      run(input: Buffer, rng: SeededRandom): void {
        const r = parseMud(input.toString('utf8'));
        if (!r.ok) return;
        const profile = r.profile;
        const policy = compileProfile(profile, {
          deviceMac: DEVICE_MAC, deviceAddresses: ['192.168.1.10', 'fd00::a'], localNetworks: ['192.168.1.0/24', 'fd00::/64'],
          services: { dns: ['192.168.1.1'], ntp: ['192.168.1.1'], gateway: ['192.168.1.1'] },
          controllers: { 'https://controller.example.com/c': ['192.168.1.2'] },
          myControllers: { [profile.mudUrl]: ['192.168.1.3'] },
          peers: [{ mudUrl: profile.mudUrl, addresses: ['192.168.1.20'] }],
        });
        renderNft([policy], { guard: chance(rng, 0.5) });
        for (const acl of profile.acls) {
          for (const ace of acl.aces) describeAce(ace, chance(rng, 0.5) ? 'from-device' : 'to-device');
        }
        for (const name of policy.dnsNames.slice(0, 4)) policy.onDnsAnswer(name, 4, rng.nextU32(), 0, 0, 0, rng.int(0, 86400), 1_700_000_000_000_000);
        for (let i = 0; i < 4; i++) policy.decide(randomQuery(rng));
      },
    };
  },
};
