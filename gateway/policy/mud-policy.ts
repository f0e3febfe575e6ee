// Holds every device to its MUD profile (RFC 8520): binds a profile when a device is learned or
// announces a MUD URL, compiles it for this network, feeds it the DNS answers its dnsname ACEs need,
// gives the first packet of every flow a verdict, and raises `mud.violation` / `mud.no-profile`.
// In enforce mode the same policies go to nftables (through an Enforcement), so the drop happens
// in the kernel before the packet leaves; the verdict here is the alert and the explanation.
import { compileProfile, type CompiledPolicy, type FetchResult, type FlowQuery, type PolicyContext, type Verdict } from '../../policies/index.js';
import { ipv4ToString, ipv6ToString, parseIpv6 } from '../common/address-text.js';
import { Family, type PacketView } from '../decode/packet-view.js';
import { flowFields } from '../sensor/alert-fields.js';
import type { Plugin, PluginHost } from '../sensor/plugin.js';
import { queryFromPacket } from './packet-query.js';
import type { Device } from '../track/device.js';
import type { AddrKey } from '../track/dns-cache.js';
import type { Flow } from '../track/flow.js';
import { DEFAULT_LOCAL_NETWORKS } from '../track/local-networks.js';
import type { PolicyConfig } from './policy-config.js';
import type { ProfileStore, StoredProfile } from './profile-store.js';

/** Where enforce mode sends its decisions (the nftables enforcer, or a test double). */
export interface Enforcement {
  /** Replaces the whole rule set with these policies and quarantined MACs (one transaction). */
  apply(policies: readonly CompiledPolicy[], quarantined: readonly number[]): Promise<void>;
  addDeviceAddress(mac: number, family: 4 | 6, address: string): void;
  addDnsAddress(name: string, family: 4 | 6, address: string, ttlSeconds: number): void;
}

/** Fetches a MUD file by URL (HTTPS, signature, cache: policies' MudFetcher). */
export interface ProfileFetcher {
  get(url: string): Promise<FetchResult>;
}

/** What the policy layer tells its operator (bindings, refusals): one event a call. */
export type PolicyLog = (event: string, fields: Record<string, unknown>) => void;

interface Bound {
  policy: CompiledPolicy;
  stored: StoredProfile;
  /** Per "acl/ace": flows it allowed and their bytes (at flow end); denied flows per ACL under "acl/". */
  hits: Map<string, AceHits>;
}

/** What one ACE did for a device since its profile was bound. */
export interface AceHits {
  flows: number;
  bytes: number;
}

/**
 * The verdict a flow got for one device on it (kept on the flow, `flow.verdict`, so its record says
 * why it was allowed or flagged): the ACE that allowed it, or the ACL that denied it, the nearest
 * ACE and what differed.
 */
export interface FlowVerdict {
  device: string;
  direction: 'from-device' | 'to-device';
  allowed: boolean;
  acl: string | null;
  /** The allowing ACE, or for a denied flow the nearest one. */
  ace: string | null;
  reason: string | null;
}

export class MudPolicy implements Plugin {
  private readonly bound = new Map<number, Bound>();
  private readonly noProfileReported = new Set<number>();
  private readonly quarantined = new Set<number>();
  /** Devices an operator quarantined (response actions): held to the quarantine default even with a profile. */
  private readonly held = new Set<number>();
  private readonly fetching = new Set<string>();
  /** Applies in flight, chained so that rule sets go to the kernel in order. */
  private applying: Promise<void> = Promise.resolve();
  /** Flows given a verdict, and violations raised. */
  verdicts = 0;
  violations = 0;

  constructor(
    private readonly host: PluginHost,
    private readonly cfg: Readonly<PolicyConfig>,
    private readonly store: ProfileStore,
    private readonly enforcement: Enforcement | null = null,
    private readonly fetcher: ProfileFetcher | null = null,
    private readonly log: PolicyLog = () => {},
  ) {
  }

  /** A device announced a MUD URL (bind its profile) or got an address (tell the enforcer). */
  onDeviceChange(d: Device, field: keyof Device): void {
    if (field === 'mudUrl') this.bindDevice(d, d.lastSeen);
    else if (field === 'ips') this.deviceAddresses(d);
  }

  /** A DNS answer: names in the profiles' ACLs learn their addresses. */
  onDnsAnswer(name: string, addr: AddrKey, family: 4 | 6, expires: number, ts: number): void {
    this.dnsAnswer(name, addr, family, expires, ts);
  }

  /** The compiled policy of a device, if it has one. */
  policyOf(mac: number): CompiledPolicy | undefined {
    return this.bound.get(mac)?.policy;
  }

  /** Every compiled policy (for the enforcer and the API). */
  policies(): CompiledPolicy[] {
    return [...this.bound.values()].map((b) => b.policy);
  }

  /** Resolves when every rule set handed to the enforcer so far has been applied. */
  settled(): Promise<void> {
    return this.applying;
  }

  onDeviceNew(d: Device, ts: number): void {
    this.bindDevice(d, ts);
    // A device held before it was known (a restart restores holds before the inventory).
    if (this.held.has(d.macNum)) this.feedAddresses(d.macNum);
  }

  /** The first packet of each flow gets a verdict for the sender's and the receiver's profile. */
  onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
    if (flow === null || flow.pktsAB + flow.pktsBA !== 1) return;
    if (this.bound.size === 0 && this.store.size === 0) return;
    if (isLinkControl(pv)) return;
    const from = pv.srcMac >= 0 ? this.bound.get(pv.srcMac) : undefined;
    if (from) this.check(from, pv, flow, 'from-device', dir);
    const to = pv.dstMac >= 0 ? this.bound.get(pv.dstMac) : undefined;
    if (to) this.check(to, pv, flow, 'to-device', dir);
    if (!from && pv.srcMac >= 0) this.noProfile(pv.srcMac, pv.ts, flow);
  }

  /** Binds (or re-binds) a device to the profile the store has for it, fetching it when allowed. */
  bindDevice(d: Device, ts: number): void {
    const sp = this.store.forDevice(d.macNum, d.mudUrl);
    if (sp === undefined) {
      if (d.mudUrl !== null && this.fetcher !== null) this.fetch(d.mudUrl);
      return;
    }
    const cur = this.bound.get(d.macNum);
    if (cur !== undefined && cur.stored === sp) return;
    let policy: CompiledPolicy;
    try {
      policy = compileProfile(sp.profile, this.context(d, sp));
    } catch (e) {
      this.log('profile.compile-failed', { mac: d.mac, file: sp.file, error: (e as Error).message });
      return;
    }
    // Answers seen before the device was bound still count while they are valid.
    for (const name of policy.dnsNames) {
      for (const [addr, exp] of this.host.dns.entriesFor(name, ts)) this.feed(policy, name, addr, typeof addr === 'number' ? 4 : 6, (exp - ts) / 1e6, ts);
    }
    this.bound.set(d.macNum, { policy, stored: sp, hits: new Map() });
    this.quarantined.delete(d.macNum);
    this.host.devices.set(d, 'profile', sp.profile.mudUrl);
    this.log('device.profile', { mac: d.mac, profile: sp.profile.mudUrl, file: sp.file, warnings: sp.warnings.length });
    void this.reapply();
  }

  /**
   * The profile for `url` was uploaded, replaced or deleted: every device announcing it is bound
   * to what the store now holds, or unbound (back to the no-profile default) when it holds nothing.
   */
  profileChanged(url: string): void {
    for (const d of this.host.devices.all()) {
      if (d.mudUrl !== url) continue;
      if (this.store.forDevice(d.macNum, d.mudUrl) !== undefined) this.bindDevice(d, d.lastSeen);
      else if (this.bound.delete(d.macNum)) {
        this.noProfileReported.delete(d.macNum);
        this.host.devices.set(d, 'profile', null);
        this.log('device.profile', { mac: d.mac, profile: null, reason: 'profile removed' });
        void this.reapply();
      }
    }
  }

  /** A flow ended: the bytes of the flows each ACE allowed go to that ACE's count. */
  onFlowEnd(flow: Flow): void {
    const vs = flow.verdict;
    if (!Array.isArray(vs)) return;
    for (const fv of vs as FlowVerdict[]) {
      if (!fv.allowed) continue;
      const mac = fv.device;
      for (const b of this.bound.values()) {
        if (b.policy.context.deviceMac !== mac) continue;
        const h = b.hits.get(`${fv.acl}/${fv.ace}`);
        if (h !== undefined) h.bytes += flow.bytesAB + flow.bytesBA;
      }
    }
  }

  /** Per-ACE counts of a device ("acl/ace" → flows, bytes; "acl/" → flows the ACL denied). */
  aceHits(mac: number): ReadonlyMap<string, AceHits> {
    return this.bound.get(mac)?.hits ?? new Map();
  }

  /** Whether a device is held to the quarantine default (no profile under noProfile quarantine, or an operator's action). */
  isQuarantined(mac: number): boolean {
    return this.quarantined.has(mac) || this.held.has(mac);
  }

  /**
   * Holds a device (48-bit MAC) to the quarantine default by an operator's action — gateway services
   * only, its profile (if any) set aside — or lets it go back to its profile or the no-profile
   * default. Resolves true once enforcement has the new rule set, false in monitor mode (recorded
   * only) or when the rule set was refused (logged as enforce.apply-failed).
   */
  hold(mac: number, on: boolean): Promise<boolean> {
    if (on) {
      this.held.add(mac);
      this.feedAddresses(mac);
    } else {
      this.held.delete(mac);
    }
    return this.reapply();
  }

  /** Gives enforcement every address a device holds (the `_to` half of its chains matches on them). */
  private feedAddresses(mac: number): void {
    if (this.enforcement === null) return;
    for (const ip of this.host.devices.get(mac)?.ips ?? []) this.enforcement.addDeviceAddress(mac, ip.includes(':') ? 6 : 4, ip);
  }

  /**
   * What enforcement holds now: the policies of the devices not held, and every quarantined MAC
   * (no-profile and held). What reapply() sends; the daemon's first apply at start too.
   */
  enforcementState(): { policies: CompiledPolicy[]; quarantined: number[] } {
    return {
      policies: this.policies().filter((p) => !this.held.has(p.deviceMac)),
      quarantined: [...new Set([...this.quarantined, ...this.held])],
    };
  }

  /** The bound profile's stored form (file, warnings) of a device. */
  storedOf(mac: number): StoredProfile | undefined {
    return this.bound.get(mac)?.stored;
  }

  private context(d: Device, sp: StoredProfile): PolicyContext {
    const cfg = this.cfg;
    const gw = cfg.gatewayAddresses;
    const peers = [...this.host.devices.all()]
      .filter((p) => p.macNum !== d.macNum && p.mudUrl !== null)
      .map((p) => ({ mudUrl: p.mudUrl!, addresses: p.ips }));
    return {
      deviceMac: d.mac,
      deviceAddresses: d.ips,
      mudUrl: d.mudUrl ?? sp.profile.mudUrl,
      localNetworks: [...DEFAULT_LOCAL_NETWORKS, ...cfg.localNetworks],
      controllers: cfg.controllers,
      myControllers: cfg.myControllers,
      services: { gateway: gw, dns: cfg.dnsServers.length > 0 ? cfg.dnsServers : gw, ntp: cfg.ntpServers.length > 0 ? cfg.ntpServers : gw },
      peers,
      emergency: cfg.emergency,
      // The DNS cache already keeps answers past their TTL by its own grace.
      dnsGraceSeconds: 0,
    };
  }

  private fetch(url: string): void {
    if (this.fetching.has(url)) return;
    this.fetching.add(url);
    this.fetcher!.get(url).then(
      (r) => {
        this.fetching.delete(url);
        if (!r.ok) { this.log('profile.fetch-failed', { url, code: r.code, reason: r.reason }); return; }
        const sp = this.store.loadText(r.content.toString('utf8'), url);
        if (sp === null) { this.log('profile.refused', { url, errors: this.store.refused.at(-1)?.errors }); return; }
        this.store.put(sp);
        for (const d of this.host.devices.all()) if (d.mudUrl === url) this.bindDevice(d, d.lastSeen);
      },
      (e: unknown) => { this.fetching.delete(url); this.log('profile.fetch-failed', { url, reason: (e as Error).message }); },
    );
  }

  private check(b: Bound, pv: PacketView, flow: Flow, direction: 'from-device' | 'to-device', dir: number): void {
    const q = queryFromPacket(pv, flow, dir, direction);
    const v = b.policy.decide(q);
    this.verdicts++;
    const fv: FlowVerdict = {
      device: b.policy.context.deviceMac ?? '', direction, allowed: v.allowed, acl: v.acl ?? null,
      ace: v.allowed ? v.ace : v.nearestAce ?? null, reason: v.allowed ? null : v.reason,
    };
    if (Array.isArray(flow.verdict)) (flow.verdict as FlowVerdict[]).push(fv);
    else flow.verdict = [fv];
    const key = v.allowed ? `${v.acl}/${v.ace}` : `${v.acl ?? ''}/`;
    const h = b.hits.get(key);
    if (h === undefined) b.hits.set(key, { flows: 1, bytes: 0 });
    else h.flows++;
    if (v.allowed) return;
    this.violations++;
    this.violation(b, v, pv, flow, q);
  }

  private violation(b: Bound, v: Extract<Verdict, { allowed: false }>, pv: PacketView, flow: Flow, q: FlowQuery): void {
    const f = flowFields(this.host, flow);
    const mac = b.policy.context.deviceMac ?? null;
    const peer = q.family === 4 ? ipv4ToString(q.peer0) : ipv6ToString(q.peer0, q.peer1, q.peer2, q.peer3);
    const names = this.host.dns.namesFor(q.family === 4 ? q.peer0 : peer, pv.ts);
    this.host.emit({
      ...f,
      rule: 'mud.violation', ts: pv.ts, device: mac,
      // Inbound, the peer's port is an ephemeral one that changes with every attempt, and a scan
      // walks the device's ports: one peer coming in is one finding (a brute force, a scan), its
      // count the flows; outbound, each destination port is a finding of its own.
      peer: q.direction === 'to-device' ? `${peer}|${q.proto}|${q.direction}` : `${peer}|${q.proto}|${q.peerPort}|${q.direction}`,
      message: `${q.direction === 'from-device' ? 'to' : 'from'} ${peer}${q.peerPort >= 0 ? ':' + q.peerPort : ''} is outside the MUD profile of ${mac}: ${v.reason}`,
      evidence: {
        profile: b.stored.profile.mudUrl, direction: q.direction, acl: v.acl ?? null, nearestAce: v.nearestAce ?? null,
        reason: v.reason, peerNames: names.slice(0, 5), mode: this.cfg.mode, action: this.cfg.mode === 'enforce' ? 'drop' : 'alert',
      },
    });
  }

  private noProfile(mac: number, ts: number, flow: Flow): void {
    if (this.noProfileReported.has(mac)) return;
    const d = this.host.devices.get(mac);
    if (d === undefined || d.ips.length === 0) return;
    // The gateway itself is not a device to hold to a profile.
    if (d.ips.some((ip) => this.cfg.gatewayAddresses.includes(ip))) return;
    this.noProfileReported.add(mac);
    const quarantine = this.cfg.noProfile === 'quarantine';
    this.host.emit({
      ...flowFields(this.host, flow), rule: 'mud.no-profile', ts, device: d.mac, peer: '',
      message: `device ${d.mac}${d.mudUrl ? ` announced ${d.mudUrl} but no profile is held for it` : ' has no MUD profile'}${quarantine ? '; quarantined' : ''}`,
      evidence: { mudUrl: d.mudUrl, vendor: d.vendor, hostname: d.hostname, default: this.cfg.noProfile },
    });
    if (quarantine) {
      this.quarantined.add(mac);
      void this.reapply();
    }
  }

  private deviceAddresses(d: Device): void {
    if (this.enforcement === null || (!this.bound.has(d.macNum) && !this.isQuarantined(d.macNum))) return;
    const ip = d.ips.at(-1);
    if (ip === undefined) return;
    this.enforcement.addDeviceAddress(d.macNum, ip.includes(':') ? 6 : 4, ip);
  }

  private dnsAnswer(name: string, addr: AddrKey, family: 4 | 6, expires: number, ts: number): void {
    if (this.bound.size === 0) return;
    const ttl = (expires - ts) / 1e6;
    let used = false;
    for (const b of this.bound.values()) {
      if (!b.policy.dnsNames.includes(name)) continue;
      this.feed(b.policy, name, addr, family, ttl, ts);
      used = true;
    }
    if (used && this.enforcement !== null) {
      this.enforcement.addDnsAddress(name, family, typeof addr === 'number' ? ipv4ToString(addr) : addr, Math.max(1, Math.round(ttl)));
    }
  }

  private feed(p: CompiledPolicy, name: string, addr: AddrKey, family: 4 | 6, ttl: number, ts: number): void {
    if (typeof addr === 'number') p.onDnsAnswer(name, 4, addr, 0, 0, 0, ttl, ts);
    else {
      const w = parseIpv6(addr);
      if (w !== null && family === 6) p.onDnsAnswer(name, 6, w[0], w[1], w[2], w[3], ttl, ts);
    }
  }

  /** Sends the rule set to enforcement, after those before it; resolves whether it was applied (false without enforcement). */
  private reapply(): Promise<boolean> {
    const e = this.enforcement;
    if (e === null) return Promise.resolve(false);
    const { policies, quarantined } = this.enforcementState();
    const done = this.applying.then(() => e.apply(policies, quarantined)).then(() => true, (err: unknown) => {
      this.log('enforce.apply-failed', { error: (err as Error).message });
      return false;
    });
    this.applying = done.then(() => undefined);
    return done;
  }
}

/**
 * Link-local control traffic that never crosses the gateway and that every IP host sends: ICMPv6
 * neighbour discovery and multicast listener messages (RFC 4861, RFC 3810) and IGMP. A MUD profile
 * speaks of the device's conversations, not of how it keeps its link up; holding these to it would
 * raise a violation (and an enforce-mode "drop" that never happens) for every IPv6 device.
 * Application multicast (mDNS, SSDP) is still judged: profiles do allow or deny it.
 */
function isLinkControl(pv: PacketView): boolean {
  if (pv.ipProto === 58) return (pv.icmpType >= 130 && pv.icmpType <= 137) || pv.icmpType === 143;
  return pv.ipProto === 2 && pv.family === Family.V4;
}
