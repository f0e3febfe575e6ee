// Validation of one ACE (RFC 8519 §4.1 ace, with the RFC 8520 augmentations): name, matches and
// actions. Contradictory matches are refused; draft-era layouts with one safe reading are read
// that way with a warning.

import type { JsonObject, JsonValue } from './json-source.js';
import { ptr, type IssueSink } from './issues.js';
import { isObject, member, pickMember, readObject, readString, readUint, stripPrefix } from './json-read.js';
import {
  readDirection, readDnsName, readEth, readIcmp, readMudClasses, readNetwork, readPortMatch, unsupported,
  type MatchReadContext,
} from './validate-match-fields.js';
import { aceFamilies } from './ace-families.js';
import type { Ace, AceMatches, AclType, Forwarding, L3Match, L4Match, MudClassMatch, PortMatch } from './profile.js';

const ACL_MODULE = 'ietf-access-control-list';
/** RFC 8519 ipv4/ipv6 header fields edgeward does not enforce (flow-level verdicts). */
const UNENFORCED_L3 = ['dscp', 'ecn', 'length', 'ttl', 'ihl', 'flags', 'offset', 'identification', 'flow-label'];
/** IPv6 extension header numbers (RFC 8200 §4): never the upper-layer protocol. */
const IPV6_EXTENSION_HEADERS = [0, 43, 44, 60];
/** Draft-era port members inside ipv4/ipv6 (draft-ietf-netmod-acl-model, osMUD). */
const DRAFT_L3_PORTS: Record<string, 'source' | 'destination'> = {
  'source-port-range': 'source',
  'destination-port-range': 'destination',
  'source-port-range-or-operator': 'source',
  'destination-port-range-or-operator': 'destination',
};

interface DraftPorts { source?: PortMatch; destination?: PortMatch; path: string }

function readL3(c: MatchReadContext, obj: JsonObject, path: string, family: 4 | 6, draft: DraftPorts): L3Match {
  const out: { -readonly [K in keyof L3Match]: L3Match[K] } = { family };
  const dstNet = `destination-ipv${family}-network`;
  const srcNet = `source-ipv${family}-network`;
  for (const [k, v] of Object.entries(obj)) {
    const p = ptr(path, k);
    if (k === 'protocol') {
      const proto = readUint(c.sink, v, p, 255);
      if (proto === undefined) continue;
      out.protocol = proto;
      if (family === 6 && IPV6_EXTENSION_HEADERS.includes(proto)) {
        c.sink.add('ace.ipv6-extension-header-protocol', p, `protocol ${proto} is an IPv6 extension header`);
      }
    } else if (k === dstNet) out.destinationNetwork = readNetwork(c, v, p, family);
    else if (k === srcNet) out.sourceNetwork = readNetwork(c, v, p, family);
    else if (k === 'ietf-acldns:dst-dnsname') out.dstDnsName = readDnsName(c, v, p);
    else if (k === 'ietf-acldns:src-dnsname') out.srcDnsName = readDnsName(c, v, p);
    else if (k in DRAFT_L3_PORTS) {
      const side = DRAFT_L3_PORTS[k]!;
      if (draft[side]) {
        c.sink.add('draft.conflicting-names', p, `a second ${side} port range`);
        continue;
      }
      c.sink.add('draft.l3-ports', p, `draft-era '${k}' applied to the transport that 'protocol' names`);
      const pm = readPortMatch(c, v, p);
      if (pm) draft[side] = pm;
      draft.path = p;
    } else if (UNENFORCED_L3.includes(k)) unsupported(c, p, k);
    else unsupported(c, p, k);
  }
  // ietf-acldns §8: dnsname and network are cases of one choice per side.
  if (out.destinationNetwork && out.dstDnsName) c.sink.add('ace.conflicting-matches', ptr(path, 'ietf-acldns:dst-dnsname'), `both ${dstNet} and dst-dnsname are given`);
  if (out.sourceNetwork && out.srcDnsName) c.sink.add('ace.conflicting-matches', ptr(path, 'ietf-acldns:src-dnsname'), `both ${srcNet} and src-dnsname are given`);
  for (const k of Object.keys(out) as (keyof L3Match)[]) if (out[k] === undefined) delete out[k];
  return out;
}

function readL4(c: MatchReadContext, obj: JsonObject, path: string, protocol: 'tcp' | 'udp'): L4Match {
  const out: { -readonly [K in keyof L4Match]: L4Match[K] } = { protocol };
  for (const [k, v] of Object.entries(obj)) {
    const p = ptr(path, k);
    if (k === 'source-port') out.sourcePort = readPortMatch(c, v, p);
    else if (k === 'destination-port') out.destinationPort = readPortMatch(c, v, p);
    else if (protocol === 'tcp' && k === 'ietf-mud:direction-initiated') out.directionInitiated = readDirection(c, v, p);
    else if (protocol === 'tcp' && k === 'direction-initiated') {
      c.sink.add('draft.member-name', p, "'direction-initiated' without its module prefix read as 'ietf-mud:direction-initiated'");
      out.directionInitiated = readDirection(c, v, p);
    } else unsupported(c, p, k);
  }
  for (const k of Object.keys(out) as (keyof L4Match)[]) if (out[k] === undefined) delete out[k];
  return out;
}

const MATCH_ALIASES: Record<string, string> = {
  'ipv4-acl': 'ipv4',
  'ipv6-acl': 'ipv6',
  'ietf-mud:mud-acl': 'ietf-mud:mud',
};

/** Reads the `matches` container. */
function readMatches(sink: IssueSink, obj: JsonObject, path: string, aclType: AclType | undefined): AceMatches {
  const c: MatchReadContext = { sink, unsupported: [] };
  const draft: DraftPorts = { path: '' };
  let eth; let l3: L3Match | undefined; let icmp;
  let mud: MudClassMatch | undefined;
  const l4s: { m: L4Match; path: string }[] = [];
  const seen = new Map<string, string>(); // canonical name -> key used
  for (const [rawKey, v] of Object.entries(obj)) {
    const p = ptr(path, rawKey);
    let key = rawKey;
    if (rawKey in MATCH_ALIASES) {
      key = MATCH_ALIASES[rawKey]!;
      sink.add('draft.member-name', p, `draft-era '${rawKey}' read as '${key}'`);
    }
    if (seen.has(key)) {
      sink.add('draft.conflicting-names', p, `'${rawKey}' repeats '${seen.get(key)}'`);
      continue;
    }
    seen.set(key, rawKey);
    if (rawKey === 'ietf-mud:same-manufacturer') {
      // Draft-era: the class sat directly under matches.
      sink.add('draft.member-name', p, "draft-era 'ietf-mud:same-manufacturer' read as 'ietf-mud:mud/same-manufacturer'");
      const m = readMudClasses(c, { 'same-manufacturer': v }, path);
      mud = { ...mud, ...m };
      continue;
    }
    if (!['eth', 'ipv4', 'ipv6', 'tcp', 'udp', 'icmp', 'ietf-mud:mud'].includes(key)) {
      unsupported(c, p, rawKey);
      continue;
    }
    const o = readObject(sink, v, p);
    if (!o) continue;
    if (key === 'eth') eth = readEth(c, o, p);
    else if (key === 'ipv4' || key === 'ipv6') {
      if (l3) sink.add('ace.conflicting-matches', p, 'ipv4 and ipv6 matches in one ACE');
      else l3 = readL3(c, o, p, key === 'ipv4' ? 4 : 6, draft);
    } else if (key === 'tcp' || key === 'udp') l4s.push({ m: readL4(c, o, p, key), path: p });
    else if (key === 'icmp') icmp = readIcmp(c, o, p);
    else mud = { ...mud, ...readMudClasses(c, o, p) };
  }

  // Draft-era ports in the L3 container go to the transport that `protocol` names.
  if (draft.source || draft.destination) {
    const proto = l3?.protocol;
    if (proto !== 6 && proto !== 17) {
      sink.add('draft.ambiguous-ports', draft.path, 'port ranges without protocol 6 (tcp) or 17 (udp)');
    } else {
      const name = proto === 6 ? 'tcp' : 'udp';
      const existing = l4s.find((x) => x.m.protocol === name);
      if (existing && ((draft.source && existing.m.sourcePort) || (draft.destination && existing.m.destinationPort))) {
        sink.add('ace.conflicting-matches', draft.path, `ports given both in the ${l3!.family === 4 ? 'ipv4' : 'ipv6'} match and in ${name}`);
      } else {
        const merged: L4Match = {
          ...(existing?.m ?? { protocol: name }),
          ...(draft.source && { sourcePort: draft.source }),
          ...(draft.destination && { destinationPort: draft.destination }),
        };
        if (existing) existing.m = merged;
        else l4s.push({ m: merged, path: draft.path });
      }
    }
  }

  if (l4s.length > 1) sink.add('ace.conflicting-matches', l4s[1]!.path, 'tcp and udp matches in one ACE');
  const l4 = l4s[0]?.m;
  if (l4 && icmp) sink.add('ace.conflicting-matches', ptr(path, 'icmp'), `icmp and ${l4.protocol} matches in one ACE`);

  // The transport container implies the protocol; an explicit one must agree (RFC 8519 §4.1).
  const l3Key = l3 ? seen.get(l3.family === 4 ? 'ipv4' : 'ipv6')! : undefined;
  const protoPath = l3Key ? ptr(ptr(path, l3Key), 'protocol') : path;
  if (l4) {
    const want = l4.protocol === 'tcp' ? 6 : 17;
    if (l3?.protocol === undefined) sink.add('ace.protocol-implied', protoPath, `protocol ${want} implied by the ${l4.protocol} match`);
    else if (l3.protocol !== want) sink.add('ace.conflicting-matches', protoPath, `protocol ${l3.protocol} contradicts the ${l4.protocol} match`);
  } else if (icmp) {
    const want = l3 ? (l3.family === 4 ? 1 : 58) : undefined;
    if (l3?.protocol === undefined) sink.add('ace.protocol-implied', protoPath, 'ICMP protocol implied by the icmp match');
    else if (l3.protocol !== want) sink.add('ace.conflicting-matches', protoPath, `protocol ${l3.protocol} contradicts the icmp match`);
  }

  const matches: AceMatches = {
    ...(eth && { eth }), ...(l3 && { l3 }), ...(l4 && { l4 }), ...(icmp && { icmp }), ...(mud && { mud }),
    unsupported: c.unsupported,
  };
  // eth in an IP-typed ACL (mudgee) or IP in an eth-typed ACL: read as a mixed ACE.
  if (eth && (aclType === 'ipv4-acl-type' || aclType === 'ipv6-acl-type')) {
    sink.add('ace.match-outside-acl-type', ptr(path, seen.get('eth')!), `eth match in an ${aclType} ACL; read as mixed-eth-ipv${aclType === 'ipv4-acl-type' ? 4 : 6}`);
  }
  if (aceFamilies(aclType, matches) === 0) {
    sink.add('ace.conflicting-matches', path, `no packet can satisfy these matches in an ACL of type ${aclType ?? '(none)'}`);
  }
  return matches;
}

function readActions(sink: IssueSink, v: JsonValue, path: string): { forwarding: Forwarding; logging?: 'log-syslog' | 'log-none' } | undefined {
  const obj = readObject(sink, v, path);
  if (!obj) return undefined;
  let logging: 'log-syslog' | 'log-none' | undefined;
  for (const [k, val] of Object.entries(obj)) {
    if (k === 'forwarding') continue;
    const p = ptr(path, k);
    if (k === 'logging') {
      const text = readString(sink, val, p);
      const id = text === undefined ? undefined : stripPrefix(text, [ACL_MODULE]);
      if (id === 'log-syslog' || id === 'log-none') logging = id;
      else if (text !== undefined) sink.add('ace.unknown-logging', p, `logging '${text}' ignored`);
    } else sink.add('mud.unknown-member', p, `action '${k}' ignored`);
  }
  const fv = member(obj, 'forwarding');
  if (fv === undefined) {
    sink.add('ace.missing-forwarding', path, 'actions has no forwarding');
    return undefined;
  }
  const text = readString(sink, fv, ptr(path, 'forwarding'));
  if (text === undefined) return undefined;
  const id = stripPrefix(text, [ACL_MODULE]);
  if (id !== 'accept' && id !== 'drop' && id !== 'reject') {
    sink.add('value.bad-enum', ptr(path, 'forwarding'), `forwarding '${text}' is not accept, drop or reject`);
    return undefined;
  }
  return { forwarding: id, ...(logging && { logging }) };
}

/** Reads one ACE; returns undefined when it holds a refusal. */
export function readAce(sink: IssueSink, v: JsonValue, path: string, aclType: AclType | undefined): Ace | undefined {
  const before = sink.errors.length;
  const obj = readObject(sink, v, path);
  if (!obj) return undefined;
  const nameM = pickMember(sink, obj, path, 'name', ['rule-name']);
  let name: string | undefined;
  if (!nameM) {
    if (!Object.keys(obj).some((k) => k === 'name' || k === 'rule-name')) sink.add('ace.missing-name', path, 'the ACE has no name');
  } else name = readString(sink, nameM.value, nameM.path);
  if (name === '') sink.add('ace.missing-name', nameM!.path, 'the ACE name is empty');

  let matches: AceMatches = { unsupported: [] };
  const mv = member(obj, 'matches');
  if (mv === undefined || (isObject(mv) && Object.keys(mv).length === 0)) {
    sink.add('ace.matches-everything', ptr(path, 'matches'), 'no matches: every packet of the ACL matches');
  } else {
    const mo = readObject(sink, mv, ptr(path, 'matches'));
    if (mo) matches = readMatches(sink, mo, ptr(path, 'matches'), aclType);
  }

  const av = member(obj, 'actions');
  let actions;
  if (av === undefined) sink.add('ace.missing-actions', path, 'the ACE has no actions');
  else actions = readActions(sink, av, ptr(path, 'actions'));

  for (const k of Object.keys(obj)) {
    if (!['name', 'rule-name', 'matches', 'actions', 'statistics'].includes(k)) {
      sink.add('mud.unknown-member', ptr(path, k), `ACE member '${k}' ignored`);
    }
  }
  if (sink.errors.length > before || name === undefined || !actions) return undefined;
  return { name, path, matches, forwarding: actions.forwarding, ...(actions.logging && { logging: actions.logging }) };
}
