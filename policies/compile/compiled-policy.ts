// A profile compiled for one device: decides new flows (first matching ACE wins, implicit deny at
// the end, RFC 8519 §4.1), learns DNS answers for dnsname ACEs, and follows the set of peer
// devices for the manufacturer/same-manufacturer/model classes.

import { DnsAddressSet, PrefixSet, type AddressMatcher } from './address-set.js';
import { compileAce, failures, type CompiledAce } from './matcher.js';
import {
  contextMac, contextPrefixes, controllerTexts, localNetworkTexts, myControllerTexts, normaliseUri,
  POLICY_CONTEXT_DEFAULTS, type PeerDevice, type PolicyContext,
} from './policy-context.js';
import { ruleSpecs, type AddressRef, type RuleSpec } from './rule-spec.js';
import { EMERGENCY_ACE, EMERGENCY_ACL, type FlowQuery, type Verdict } from './verdict.js';
import { mudUrlAuthority } from '../mud/mud-url.js';
import type { IpPrefix } from '../net/ip-address.js';
import type { MudProfile } from '../mud/profile.js';

const EMERGENCY_VERDICT: Verdict = Object.freeze({ allowed: true as const, acl: EMERGENCY_ACL, ace: EMERGENCY_ACE });

/** Key of a shared class set, e.g. `controller urn:ietf:params:mud:dns`. */
export function classKey(ref: AddressRef, authority: string, mudUrl: string): string {
  switch (ref.kind) {
    case 'prefix': return `prefix ${ref.prefix.family} ${ref.prefix.words.join('.')}/${ref.prefix.length}`;
    case 'dns': return `dns ${ref.name}`;
    case 'controller': return `controller ${normaliseUri(ref.uri)}`;
    case 'my-controller': return `my-controller ${normaliseUri(mudUrl)}`;
    case 'local-networks': return 'local-networks';
    case 'manufacturer': return `manufacturer ${ref.domain}`;
    case 'same-manufacturer': return `manufacturer ${authority}`;
    case 'model': return `model ${normaliseUri(ref.url)}`;
  }
}

/**
 * A MUD profile compiled for one device and context. Build with `compileProfile`.
 *
 * DNS names: the policy keeps, per dnsname used by its ACEs, the set of addresses that name
 * resolved to. The gateway's DNS tracker calls {@link CompiledPolicy.onDnsAnswer} for each A/AAAA
 * answer whose question is one of {@link CompiledPolicy.dnsNames}; `decide()` then looks the peer
 * address up in that name's set by number — it never compares names.
 */
export class CompiledPolicy {
  /** The device's MUD URL (context's, else the profile's) and its manufacturer authority. */
  readonly mudUrl: string;
  readonly authority: string;
  /** Device MAC as a 48-bit integer, -1 when the context gave none. */
  readonly deviceMac: number;
  /** Rule specs per direction, in evaluation order. */
  readonly rules: { readonly fromDevice: readonly RuleSpec[]; readonly toDevice: readonly RuleSpec[] };
  /** Compiled ACEs per direction (0 from-device, 1 to-device) and family (0 non-IP, 1 v4, 2 v6). */
  private readonly lists: CompiledAce[][];
  private readonly allByDir: CompiledAce[][];
  private readonly noMatch: Verdict[];
  private readonly emergency: PrefixSet;
  private readonly dns = new Map<string, DnsAddressSet>();
  /** Shared class sets by {@link classKey}. */
  private readonly classSets = new Map<string, PrefixSet>();
  private peers: readonly PeerDevice[];

  constructor(readonly profile: MudProfile, readonly context: PolicyContext) {
    this.mudUrl = context.mudUrl ?? profile.mudUrl;
    this.authority = mudUrlAuthority(this.mudUrl) ?? profile.authority;
    this.deviceMac = contextMac(context);
    this.peers = context.peers ?? [];
    this.emergency = new PrefixSet(contextPrefixes(context.emergency, 'emergency'));
    const from = ruleSpecs(profile, 'from-device');
    const to = ruleSpecs(profile, 'to-device');
    this.rules = { fromDevice: from, toDevice: to };
    const reason = (label: string, names: readonly string[]): string =>
      `no ACE matched in ${label} ACLs [${names.join(', ')}]`;
    const fromReason = reason('from-device-policy', profile.fromDevicePolicy);
    const toReason = reason('to-device-policy', profile.toDevicePolicy);
    this.noMatch = [
      Object.freeze({ allowed: false as const, reason: fromReason }),
      Object.freeze({ allowed: false as const, reason: toReason }),
    ];
    const resolve = (ref: AddressRef): AddressMatcher => this.resolve(ref);
    this.allByDir = [
      from.map((s) => compileAce(s, resolve, fromReason)),
      to.map((s) => compileAce(s, resolve, toReason)),
    ];
    this.lists = [];
    for (const dir of this.allByDir) {
      for (const bit of [1, 2, 4]) this.lists.push(dir.filter((a) => a.enabled && (a.famMask & bit) !== 0));
    }
  }

  private resolve(ref: AddressRef): AddressMatcher {
    if (ref.kind === 'dns') {
      let set = this.dns.get(ref.name);
      if (!set) {
        const max = this.context.dnsMaxAddressesPerName ?? POLICY_CONTEXT_DEFAULTS.dnsMaxAddressesPerName;
        const grace = (this.context.dnsGraceSeconds ?? POLICY_CONTEXT_DEFAULTS.dnsGraceSeconds) * 1e6;
        set = new DnsAddressSet(ref.name, max, grace);
        this.dns.set(ref.name, set);
      }
      return set;
    }
    return this.classSet(ref);
  }

  /**
   * The prefix set a non-DNS address condition stands for, built once and kept current as the
   * context's peers change (the explainer asks for it at every denied flow: no re-parsing).
   */
  classSet(ref: Exclude<AddressRef, { kind: 'dns' }>): PrefixSet {
    const key = classKey(ref, this.authority, this.mudUrl);
    let set = this.classSets.get(key);
    if (!set) {
      set = new PrefixSet(this.classPrefixes(ref));
      this.classSets.set(key, set);
    }
    return set;
  }

  /** The prefixes a non-DNS address condition stands for in this context (empty when unknown). */
  classPrefixes(ref: AddressRef): readonly IpPrefix[] {
    switch (ref.kind) {
      case 'prefix': return [ref.prefix];
      case 'dns': return [];
      case 'controller': return contextPrefixes(controllerTexts(this.context, ref.uri), `controller ${ref.uri}`);
      case 'my-controller': return contextPrefixes(myControllerTexts(this.context, this.mudUrl), 'myControllers');
      case 'local-networks': return contextPrefixes(localNetworkTexts(this.context), 'localNetworks');
      case 'manufacturer':
      case 'same-manufacturer': {
        const domain = ref.kind === 'manufacturer' ? ref.domain : this.authority;
        return contextPrefixes(this.peers.filter((p) => mudUrlAuthority(p.mudUrl) === domain).flatMap((p) => p.addresses), 'peers');
      }
      case 'model': {
        const url = normaliseUri(ref.url);
        return contextPrefixes(this.peers.filter((p) => normaliseUri(p.mudUrl) === url).flatMap((p) => p.addresses), 'peers');
      }
    }
  }

  /**
   * Decides a new flow: the emergency allow-list first, then the ACLs of the flow's direction in
   * policy order, first matching ACE wins; nothing matched is a deny naming the nearest ACE.
   * Allocates nothing: every verdict object is built at compile time.
   */
  decide(f: FlowQuery): Verdict {
    const now = f.ts ?? 0;
    if (f.family !== 0 && this.emergency.has(f.family, f.peer0, f.peer1, f.peer2, f.peer3)) return EMERGENCY_VERDICT;
    const dir = f.direction === 'from-device' ? 0 : 1;
    const list = this.lists[dir * 3 + (f.family === 4 ? 1 : f.family === 6 ? 2 : 0)]!;
    for (let i = 0; i < list.length; i++) {
      const a = list[i]!;
      if (failures(a, f, this.deviceMac, now, true) === 0) return a.onMatch;
    }
    // Implicit deny: report the enabled ACE that failed the fewest conditions (first on ties).
    let best: CompiledAce | undefined;
    let bestN = Infinity;
    for (const a of this.allByDir[dir]!) {
      if (!a.enabled) continue;
      const n = failures(a, f, this.deviceMac, now, false);
      if (n < bestN) { best = a; bestN = n; }
    }
    return best ? best.nearestDeny : this.noMatch[dir]!;
  }

  /** DNS names the profile's ACEs use (lower case, no final dot): the answers worth reporting. */
  get dnsNames(): readonly string[] {
    return [...this.dns.keys()];
  }

  /**
   * Records a DNS answer: `name` (the name the device asked for, not a CNAME target) resolved to
   * the address for `ttlSeconds` at packet time `nowMicros`. Returns false when no ACE uses the name.
   */
  onDnsAnswer(name: string, family: 4 | 6, w0: number, w1: number, w2: number, w3: number, ttlSeconds: number, nowMicros: number): boolean {
    const key = (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
    const set = this.dns.get(key);
    if (!set) return false;
    set.add(family, w0, w1, w2, w3, ttlSeconds, nowMicros);
    return true;
  }

  /** Addresses evicted from full DNS sets so far. */
  get dnsEvictions(): number {
    let n = 0;
    for (const s of this.dns.values()) n += s.evictions;
    return n;
  }

  /** Replaces the known peer devices (manufacturer, same-manufacturer, model classes follow). */
  setPeers(peers: readonly PeerDevice[]): void {
    this.peers = [...peers];
    for (const dir of this.allByDir) {
      for (const a of dir) {
        for (const ref of a.spec.peer) {
          if (ref.kind !== 'manufacturer' && ref.kind !== 'same-manufacturer' && ref.kind !== 'model') continue;
          this.classSets.get(classKey(ref, this.authority, this.mudUrl))?.replace(this.classPrefixes(ref));
        }
      }
    }
  }

  /** The emergency allow-list prefixes. */
  get emergencyPrefixes(): readonly IpPrefix[] {
    return this.emergency.prefixes;
  }
}

/** Compiles a validated profile for one device. Throws PolicyContextError on a malformed context. */
export function compileProfile(profile: MudProfile, ctx: PolicyContext = {}): CompiledPolicy {
  return new CompiledPolicy(profile, ctx);
}
