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
   * Make every drop depend on the liveness set `alive` (type mark, flags timeout): packets carry
   * mark 0 unless something sets one, so the drops hold only while the element 0x00000000 is in
   * the set. A gateway that refreshes it with a timeout fails open when it dies. Default false.
   */
  readonly guard?: boolean;
  /** Devices (48-bit MACs) without a profile that get nothing but the emergency allow-list. Default none. */
  readonly quarantine?: readonly number[];
}

/** The liveness set of a guarded table (see RenderNftOptions.guard). */
export const NFT_ALIVE_SET = 'alive';

interface SetDecl {
  readonly type: 'ipv4_addr' | 'ipv6_addr';
  readonly flags: 'interval' | 'timeout' | '';
  readonly elements: IpPrefix[];
  readonly note: string;
}

/** Drops exact duplicates and prefixes inside another one (interval sets refuse overlaps). */
function minimalPrefixes(list: readonly IpPrefix[]): IpPrefix[] {
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
    if (s.action !== 'accept' && this.opts.guard) parts.push(`meta mark @${NFT_ALIVE_SET}`);
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

  /** `meta mark @alive ` when drops are guarded, else nothing. */
  guardExpr(): string {
    return this.opts.guard ? `meta mark @${NFT_ALIVE_SET} ` : '';
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
  for (const mac of opts.quarantine ?? []) {
    if (seen.has(mac)) continue;
    seen.add(mac);
    const n = deviceNames(mac);
    header.push(`# device ${formatMac(mac)}: quarantined (no profile)`);
    b.sets.set(n.v4, { type: 'ipv4_addr', flags: 'interval', elements: [], note: `addresses of device ${formatMac(mac)}` });
    b.sets.set(n.v6, { type: 'ipv6_addr', flags: 'interval', elements: [], note: `addresses of device ${formatMac(mac)}` });
    b.chains.push(`  chain ${n.from} {\n    ${b.guardExpr()}counter drop comment ${nftString('edgeward: quarantined, no MUD profile')}\n  }`);
    dispatch.push(`ether saddr ${formatMac(mac)} jump ${n.from}`, `ip daddr @${n.v4} jump ${n.from}`, `ip6 daddr @${n.v6} jump ${n.from}`);
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
    ...dispatch,
  ];
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
    b.chains.join('\n\n'),
    '',
    `  chain forward {\n${forward.map((l) => `    ${l}`).join('\n')}\n  }`,
    '}',
    '',
  );
  return out.join('\n');
}
