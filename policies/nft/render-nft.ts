// Renders compiled policies as one nftables script: a table of edgeward's own (inet family), an
// emergency allow-list accepted before anything else, per-device chains holding the ACEs in
// order with a default drop, and named sets for addresses only known at run time (DNS answers,
// controllers, local networks, other devices). `nft -f` applies it atomically.
//
// Model: the `forward` base chain (policy accept) sends packets from a device (by source MAC) to
// its `_from` chain and packets toward it (by its address sets) to its `_to` chain. An accept ACE
// `return`s, so that a flow between two managed devices must pass both devices' policies; drop
// and reject ACEs are final; the end of a device chain drops (RFC 8519 implicit deny).
// direction-initiated becomes `ct direction` (original = packets of the side that opened it).
// Limits: only routed traffic crosses `forward` — frames bridged between two LAN ports and
// non-IP frames (EAPOL, ARP) are outside an inet table, so non-IP ACEs are listed as comments.
// A quarantined device also meets an `input` chain: what it sends to the gateway itself never
// crosses `forward`, so that is where "gateway services only" (DHCP, DNS, NTP) is enforced.

import { formatPrefix, prefixWithin, type IpPrefix } from '../net/ip-address.js';
import { formatMac, parseMac } from '../net/mac-address.js';
import { classKey, type CompiledPolicy } from '../compile/compiled-policy.js';
import { contextPrefixes } from '../compile/policy-context.js';
import { familyList, type AddressRef, type PortRange, type RuleSpec } from '../compile/rule-spec.js';
import { deviceNames, NFT_PLACEHOLDER_MAC, NFT_TABLE, nftCommentText, nftString, setBaseName } from './nft-names.js';

/** Options of {@link renderNft}. */
export interface RenderNftOptions {
  /** Extra emergency allow-list prefixes (the policies' own `emergency` are included). */
  readonly emergency?: readonly string[];
  /** Table name (family inet). Default `edgeward`. */
  readonly table?: string;
  /** Start with `delete table` so that applying the script replaces the table atomically. Default true. */
  readonly replace?: boolean;
  /**
   * Make every drop depend on the liveness set `alive` (type mark, flags timeout): each drop and
   * reject gets {@link NFT_GUARD}, so it holds only while the element 0x00000000 is in the set. A
   * gateway that refreshes that element with a timeout fails open when it dies. Default false.
   */
  readonly guard?: boolean;
  /**
   * Devices (48-bit MACs) without a profile, held to gateway services: DHCP, DNS and NTP to the
   * gateway's own addresses (see {@link RenderNftOptions.gatewayAddresses}), ICMPv6 neighbour
   * discovery, and the emergency allow-list; everything else they send or are sent is dropped
   * (guarded like the device chains). A MAC that also has a policy keeps its policy. Default none.
   */
  readonly quarantine?: readonly number[];
  /**
   * Addresses (or prefixes) of the gateway's services for quarantined devices, e.g. its LAN
   * address. Addresses the gateway owns match anyway (`fib daddr type local`); list others here
   * (a resolver or NTP server next to the gateway). Default none.
   */
  readonly gatewayAddresses?: readonly string[];
  /**
   * External peers (addresses or prefixes) an operator blocked (response actions): when given, even
   * empty, the table has the interval sets {@link NFT_BLOCK_SET_V4} / {@link NFT_BLOCK_SET_V6} and
   * `forward` drops packets to and from them (guarded like every drop), after the emergency accepts
   * — so the emergency list still passes. Adding or removing a peer is then one element change.
   * Default none: no block sets (the `mud compile --nft` script).
   */
  readonly blocked?: readonly string[];
}

/** A rendered table: the script and the names of the sets it declares. */
export interface RenderedNft {
  readonly script: string;
  /** Every set the table declares (device, class, DNS, emergency, gateway and liveness sets). */
  readonly sets: readonly string[];
}

/** The liveness set of a guarded table (see RenderNftOptions.guard). */
export const NFT_ALIVE_SET = 'alive';

/**
 * The guard a drop carries: the packet mark masked to zero, looked up in the liveness set — a key
 * every packet has, whatever its mark. Plain `meta mark @alive` would let through any packet another
 * ruleset marked before `forward` (policy routing, mwan3, VPNs): checked on nft 1.0.6 / Linux 6.18.
 * nft lists it as `meta mark & 0x00000000 == @alive`.
 */
export const NFT_GUARD = `meta mark & 0x00000000 @${NFT_ALIVE_SET}`;

/** Extra gateway service addresses for quarantined devices (see RenderNftOptions.gatewayAddresses). */
export const NFT_GATEWAY_SET_V4 = 'gateway_v4';
export const NFT_GATEWAY_SET_V6 = 'gateway_v6';

/** The sets of blocked peers (see RenderNftOptions.blocked). */
export const NFT_BLOCK_SET_V4 = 'block_v4';
export const NFT_BLOCK_SET_V6 = 'block_v6';

/** UDP/TCP ports of the gateway services a quarantined device keeps (IANA service names registry). */
const QUARANTINE_PORTS = { dhcpServer: 67, dhcpClient: 68, dns: 53, ntp: 123, dhcpv6Client: 546, dhcpv6Server: 547 } as const;

interface SetDecl {
  readonly type: 'ipv4_addr' | 'ipv6_addr';
  readonly flags: 'interval' | 'timeout' | '';
  readonly elements: IpPrefix[];
  readonly note: string;
}

/** Drops exact duplicates and prefixes inside another one (interval sets refuse overlaps). */
export function minimalPrefixes(list: readonly IpPrefix[]): IpPrefix[] {
  const out: IpPrefix[] = [];
  const sorted = [...list].sort((a, b) => a.length - b.length);
  for (const p of sorted) if (!out.some((q) => prefixWithin(p, q))) out.push(p);
  const key = (p: IpPrefix): string => p.words.map((w) => w.toString(16).padStart(8, '0')).join('');
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function portExpr(r: PortRange): string {
  if (r.neq) return `!= ${r.lo}`;
  return r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`;
}

function macExpr(field: string, mac: number, mask: number): string {
  return mask === 0xffffffffffff ? `ether ${field} ${formatMac(mac)}` : `ether ${field} & ${formatMac(mask)} == ${formatMac(mac)}`;
}

class ScriptBuilder {
  readonly sets = new Map<string, SetDecl>();
  readonly chains: string[] = [];

  constructor(private readonly opts: RenderNftOptions) {}

  /** Declares (or extends) the set behind a class reference; returns its name. */
  private useSet(policy: CompiledPolicy, ref: AddressRef, family: 4 | 6): string {
    const key = classKey(ref, policy.authority, policy.mudUrl);
    const name = `${setBaseName(ref, key)}_v${family}`;
    let decl = this.sets.get(name);
    if (!decl) {
      decl = { type: family === 4 ? 'ipv4_addr' : 'ipv6_addr', flags: ref.kind === 'dns' ? 'timeout' : 'interval', elements: [], note: key };
      this.sets.set(name, decl);
    }
    if (ref.kind !== 'dns') decl.elements.push(...policy.classPrefixes(ref).filter((p) => p.family === family));
    return name;
  }

  /** One nft rule for one family of a spec, or undefined when the spec cannot hold in that family. */
  rule(policy: CompiledPolicy, s: RuleSpec, family: 4 | 6): string | undefined {
    const from = s.direction === 'from-device';
    const ip = family === 4 ? 'ip' : 'ip6';
    const parts = [`meta nfproto ipv${family}`];
    const addr = (refs: readonly AddressRef[], field: string): boolean => {
      for (const ref of refs) {
        if (ref.kind === 'prefix') {
          if (ref.prefix.family !== family) return false;
          parts.push(`${ip} ${field} ${formatPrefix(ref.prefix)}`);
        } else parts.push(`${ip} ${field} @${this.useSet(policy, ref, family)}`);
      }
      return true;
    };
    if (!addr(s.peer, from ? 'daddr' : 'saddr') || !addr(s.device, from ? 'saddr' : 'daddr')) return undefined;
    const proto = family === 4 ? s.proto4 : s.proto6;
    const icmpKw = family === 4 ? 'icmp' : 'icmpv6';
    const hasIcmp = s.icmpType !== undefined || s.icmpCode !== undefined;
    if (proto !== undefined && !s.transport && !hasIcmp) parts.push(`meta l4proto ${proto}`);
    if (s.transport) {
      const src = from ? s.devicePort : s.peerPort;
      const dst = from ? s.peerPort : s.devicePort;
      if (src) parts.push(`${s.transport} sport ${portExpr(src)}`);
      if (dst) parts.push(`${s.transport} dport ${portExpr(dst)}`);
    }
    if (hasIcmp) {
      if (proto !== (family === 4 ? 1 : 58)) return undefined;
      if (s.icmpType !== undefined) parts.push(`${icmpKw} type ${s.icmpType}`);
      if (s.icmpCode !== undefined) parts.push(`${icmpKw} code ${s.icmpCode}`);
    }
    if (s.initiatedBy) {
      // Packets sent by the side that opened the connection travel in the original direction.
      const senderIsDevice = from;
      const original = (s.initiatedBy === 'device') === senderIsDevice;
      parts.push(`ct direction ${original ? 'original' : 'reply'}`);
    }
    if (s.peerMac) parts.push(macExpr(from ? 'daddr' : 'saddr', s.peerMac.mac, s.peerMac.mask));
    if (s.deviceMac) parts.push(macExpr(from ? 'saddr' : 'daddr', s.deviceMac.mac, s.deviceMac.mask));
    if (s.action !== 'accept' && this.opts.guard) parts.push(NFT_GUARD);
    parts.push(s.action === 'accept' ? 'return' : s.action);
    parts.push(`comment ${nftString(`${s.action} acl ${s.acl} ace ${s.ace}`)}`);
    return parts.join(' ');
  }

  /** A device chain: the ACEs of one direction, then the implicit deny. */
  chain(policy: CompiledPolicy, name: string, specs: readonly RuleSpec[]): void {
    const lines: string[] = [];
    for (const s of specs) {
      const label = `ACE ${s.ace} of ACL ${s.acl}`;
      if (!s.enabled) {
        lines.push(`# ${nftCommentText(label)}: disabled (carries a match edgeward cannot enforce)`);
        continue;
      }
      const fams = familyList(s);
      for (const fam of fams) {
        if (fam === 0) {
          const et = s.ethertype !== undefined ? ` (ethertype 0x${s.ethertype.toString(16).padStart(4, '0')})` : '';
          lines.push(`# ${nftCommentText(label)}: non-IP frames${et} do not cross an inet table; not rendered`);
          continue;
        }
        const r = this.rule(policy, s, fam);
        if (r) lines.push(r);
      }
    }
    lines.push(`${this.guardExpr()}counter drop comment ${nftString('edgeward: no ACE matched (RFC 8519 implicit deny)')}`);
    this.chains.push(`  chain ${name} {\n${lines.map((l) => `    ${l}`).join('\n')}\n  }`);
  }

  /**
   * The two chains of a quarantined device. `_from` (forward and input hooks): DHCP, DNS and NTP
   * to the gateway — its own addresses by `fib daddr type local` (nft(8) FIB EXPRESSIONS), others
   * from the gateway sets — and IPv6 neighbour discovery; `_to` (forward): the answers of gateway
   * services that are not on the gateway itself. Both accept the emergency allow-list first.
   */
  quarantineChains(n: { from: string; to: string }): void {
    const P = QUARANTINE_PORTS;
    const gw4 = `@${NFT_GATEWAY_SET_V4}`;
    const gw6 = `@${NFT_GATEWAY_SET_V6}`;
    const c = (text: string): string => `comment ${nftString(`quarantine: ${text}`)}`;
    const from = [
      'ip daddr @emergency_v4 accept',
      'ip6 daddr @emergency_v6 accept',
      // RFC 2131 §4.1: a client without an address broadcasts DHCPDISCOVER/REQUEST to 255.255.255.255.
      `meta nfproto ipv4 fib daddr type { local, broadcast } udp sport ${P.dhcpClient} udp dport ${P.dhcpServer} return ${c('DHCP to the gateway')}`,
      `ip daddr ${gw4} udp sport ${P.dhcpClient} udp dport ${P.dhcpServer} return ${c('DHCP to a gateway service address')}`,
      // RFC 8415 §7.1: DHCPv6 clients send to All_DHCP_Relay_Agents_and_Servers (ff02::1:2).
      `meta nfproto ipv6 fib daddr type { local, multicast } udp sport ${P.dhcpv6Client} udp dport ${P.dhcpv6Server} return ${c('DHCPv6 to the gateway')}`,
      `ip6 daddr ${gw6} udp sport ${P.dhcpv6Client} udp dport ${P.dhcpv6Server} return ${c('DHCPv6 to a gateway service address')}`,
      `fib daddr type local udp dport { ${P.dns}, ${P.ntp} } return ${c('DNS, NTP to the gateway')}`,
      `fib daddr type local tcp dport ${P.dns} return ${c('DNS over TCP to the gateway')}`,
      `ip daddr ${gw4} udp dport { ${P.dns}, ${P.ntp} } return ${c('DNS, NTP to a gateway service address')}`,
      `ip daddr ${gw4} tcp dport ${P.dns} return ${c('DNS over TCP to a gateway service address')}`,
      `ip6 daddr ${gw6} udp dport { ${P.dns}, ${P.ntp} } return ${c('DNS, NTP to a gateway service address')}`,
      `ip6 daddr ${gw6} tcp dport ${P.dns} return ${c('DNS over TCP to a gateway service address')}`,
      // RFC 4861: without neighbour discovery an IPv6 host cannot reach the gateway at all.
      `icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } return ${c('IPv6 neighbour discovery')}`,
      `${this.guardExpr()}counter drop comment ${nftString('edgeward: quarantined (no MUD profile, or held by an operator)')}`,
    ];
    const to = [
      'ip saddr @emergency_v4 accept',
      'ip6 saddr @emergency_v6 accept',
      `ip saddr ${gw4} udp sport ${P.dhcpServer} udp dport ${P.dhcpClient} return ${c('DHCP from a gateway service address')}`,
      `ip6 saddr ${gw6} udp sport ${P.dhcpv6Server} udp dport ${P.dhcpv6Client} return ${c('DHCPv6 from a gateway service address')}`,
      `ip saddr ${gw4} udp sport { ${P.dns}, ${P.ntp} } return ${c('DNS, NTP answers')}`,
      `ip saddr ${gw4} tcp sport ${P.dns} return ${c('DNS over TCP answers')}`,
      `ip6 saddr ${gw6} udp sport { ${P.dns}, ${P.ntp} } return ${c('DNS, NTP answers')}`,
      `ip6 saddr ${gw6} tcp sport ${P.dns} return ${c('DNS over TCP answers')}`,
      `${this.guardExpr()}counter drop comment ${nftString('edgeward: quarantined (no MUD profile, or held by an operator)')}`,
    ];
    this.chains.push(`  chain ${n.from} {\n${from.map((l) => `    ${l}`).join('\n')}\n  }`);
    this.chains.push(`  chain ${n.to} {\n${to.map((l) => `    ${l}`).join('\n')}\n  }`);
  }

  /** The guard and a space when drops are guarded, else nothing. */
  guardExpr(): string {
    return this.opts.guard ? `${NFT_GUARD} ` : '';
  }

  setBlock(name: string, d: SetDecl): string {
    const lines = [`type ${d.type};`];
    if (d.flags) lines.push(`flags ${d.flags};`);
    const els = minimalPrefixes(d.elements).map(formatPrefix);
    if (els.length > 0) lines.push(`elements = { ${els.join(', ')} }`);
    return `  # ${nftCommentText(d.note)}\n  set ${name} {\n${lines.map((l) => `    ${l}`).join('\n')}\n  }`;
  }

  emergency(policies: readonly CompiledPolicy[]): IpPrefix[] {
    return [...contextPrefixes(this.opts.emergency, 'emergency'), ...policies.flatMap((p) => p.emergencyPrefixes)];
  }
}

/**
 * Renders the nftables script for a set of compiled device policies. A policy without a device
 * MAC is rendered for the placeholder MAC 02:00:00:00:00:00 (see {@link NFT_PLACEHOLDER_MAC}).
 * Throws when two policies name the same MAC.
 */
export function renderNft(policies: readonly CompiledPolicy[], opts: RenderNftOptions = {}): string {
  return renderNftTable(policies, opts).script;
}

/** {@link renderNft}, with the names of the sets the table declares (the enforcer writes only to those). */
export function renderNftTable(policies: readonly CompiledPolicy[], opts: RenderNftOptions = {}): RenderedNft {
  const table = opts.table ?? NFT_TABLE;
  const b = new ScriptBuilder(opts);
  const dispatch: string[] = [];
  const header: string[] = [];
  const seen = new Set<number>();
  for (const p of policies) {
    const mac = p.deviceMac >= 0 ? p.deviceMac : parseMac(NFT_PLACEHOLDER_MAC);
    if (seen.has(mac)) throw new Error(`two policies for device ${formatMac(mac)}`);
    seen.add(mac);
    const n = deviceNames(mac);
    header.push(`# device ${formatMac(mac)}${p.deviceMac < 0 ? ' (placeholder)' : ''}: ${nftCommentText(p.mudUrl)}`);
    const own = contextPrefixes(p.context.deviceAddresses, 'deviceAddresses');
    b.sets.set(n.v4, { type: 'ipv4_addr', flags: 'interval', elements: own.filter((x) => x.family === 4), note: `addresses of device ${formatMac(mac)}` });
    b.sets.set(n.v6, { type: 'ipv6_addr', flags: 'interval', elements: own.filter((x) => x.family === 6), note: `addresses of device ${formatMac(mac)}` });
    b.chain(p, n.from, p.rules.fromDevice);
    b.chain(p, n.to, p.rules.toDevice);
    dispatch.push(
      `ether saddr ${formatMac(mac)} jump ${n.from}`,
      `ip daddr @${n.v4} jump ${n.to}`,
      `ip6 daddr @${n.v6} jump ${n.to}`,
    );
  }
  const input: string[] = [];
  for (const mac of opts.quarantine ?? []) {
    if (seen.has(mac)) continue;
    seen.add(mac);
    const n = deviceNames(mac);
    header.push(`# device ${formatMac(mac)}: quarantined (no profile): gateway services only`);
    b.sets.set(n.v4, { type: 'ipv4_addr', flags: 'interval', elements: [], note: `addresses of device ${formatMac(mac)}` });
    b.sets.set(n.v6, { type: 'ipv6_addr', flags: 'interval', elements: [], note: `addresses of device ${formatMac(mac)}` });
    b.quarantineChains(n);
    dispatch.push(`ether saddr ${formatMac(mac)} jump ${n.from}`, `ip daddr @${n.v4} jump ${n.to}`, `ip6 daddr @${n.v6} jump ${n.to}`);
    input.push(`ether saddr ${formatMac(mac)} jump ${n.from}`);
  }
  if (input.length > 0) {
    const gw = contextPrefixes(opts.gatewayAddresses, 'gatewayAddresses');
    const note = 'gateway services for quarantined devices (besides its own addresses)';
    b.sets.set(NFT_GATEWAY_SET_V4, { type: 'ipv4_addr', flags: 'interval', elements: gw.filter((x) => x.family === 4), note });
    b.sets.set(NFT_GATEWAY_SET_V6, { type: 'ipv6_addr', flags: 'interval', elements: gw.filter((x) => x.family === 6), note });
  }
  const blockRules: string[] = [];
  if (opts.blocked !== undefined) {
    const blocked = contextPrefixes(opts.blocked, 'blocked');
    const note = 'peers blocked by a response action: dropped to and from every device';
    b.sets.set(NFT_BLOCK_SET_V4, { type: 'ipv4_addr', flags: 'interval', elements: blocked.filter((x) => x.family === 4), note });
    b.sets.set(NFT_BLOCK_SET_V6, { type: 'ipv6_addr', flags: 'interval', elements: blocked.filter((x) => x.family === 6), note });
    const c = `comment ${nftString('edgeward: blocked peer (response action)')}`;
    blockRules.push(
      `ip daddr @${NFT_BLOCK_SET_V4} ${b.guardExpr()}counter drop ${c}`,
      `ip saddr @${NFT_BLOCK_SET_V4} ${b.guardExpr()}counter drop ${c}`,
      `ip6 daddr @${NFT_BLOCK_SET_V6} ${b.guardExpr()}counter drop ${c}`,
      `ip6 saddr @${NFT_BLOCK_SET_V6} ${b.guardExpr()}counter drop ${c}`,
    );
  }
  const emergency = b.emergency(policies);
  const sets = [
    ...(opts.guard ? [`  # liveness: drops hold only while this element lives (fail-open after a crash)\n  set ${NFT_ALIVE_SET} {\n    type mark;\n    flags timeout;\n  }`] : []),
    b.setBlock('emergency_v4', { type: 'ipv4_addr', flags: 'interval', elements: emergency.filter((x) => x.family === 4), note: 'emergency allow-list: always accepted, checked first' }),
    b.setBlock('emergency_v6', { type: 'ipv6_addr', flags: 'interval', elements: emergency.filter((x) => x.family === 6), note: 'emergency allow-list: always accepted, checked first' }),
    ...[...b.sets].map(([name, d]) => b.setBlock(name, d)),
  ];
  const forward = [
    'type filter hook forward priority filter; policy accept;',
    'ip daddr @emergency_v4 accept',
    'ip saddr @emergency_v4 accept',
    'ip6 daddr @emergency_v6 accept',
    'ip6 saddr @emergency_v6 accept',
    ...blockRules,
    ...dispatch,
  ];
  const chains = [b.chains.join('\n\n'), '', `  chain forward {\n${forward.map((l) => `    ${l}`).join('\n')}\n  }`];
  if (input.length > 0) {
    // Packets to the gateway itself take the input hook, never forward (nft wiki: Netfilter hooks).
    const lines = ['type filter hook input priority filter; policy accept;', ...input];
    chains.push('', `  chain input {\n${lines.map((l) => `    ${l}`).join('\n')}\n  }`);
  }
  const out = [
    '#!/usr/sbin/nft -f',
    '# edgeward MUD enforcement (RFC 8520), generated; do not edit.',
    '# Sets dns_* are filled by the gateway as DNS answers arrive (add element ... { ADDR timeout Ns }).',
    ...header,
  ];
  if (opts.replace ?? true) out.push(`table inet ${table}`, `delete table inet ${table}`);
  out.push(
    `table inet ${table} {`,
    sets.join('\n\n'),
    '',
    ...chains,
    '}',
    '',
  );
  const names = [...(opts.guard ? [NFT_ALIVE_SET] : []), 'emergency_v4', 'emergency_v6', ...b.sets.keys()];
  return { script: out.join('\n'), sets: names };
}
