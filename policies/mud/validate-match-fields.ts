// Readers for the match containers of one ACE (RFC 8519 ietf-packet-fields, RFC 8520 ietf-mud and
// ietf-acldns): ports, ipv4/ipv6, tcp/udp, icmp, eth and the MUD classes. Each records refusals
// and warnings by JSON Pointer and collects the members it cannot enforce.

import type { JsonObject, JsonValue } from './json-source.js';
import { ptr, type IssueSink } from './issues.js';
import {
  isAbsoluteUri, member, normaliseHost, readEmpty, readObject, readString, readUint, wrongType,
} from './json-read.js';
import { parsePrefix, type IpPrefix } from '../net/ip-address.js';
import { MAC_FULL_MASK, parseMac } from '../net/mac-address.js';
import { ETHERTYPE_MIN, ETHERTYPE_NAMES } from './ethertypes.js';
import type { Direction, EthMatch, IcmpMatch, MacMatch, MudClassMatch, PortMatch } from './profile.js';

/** Shared state while one ACE is read. */
export interface MatchReadContext {
  readonly sink: IssueSink;
  /** JSON Pointers of members edgeward cannot enforce. */
  readonly unsupported: string[];
}

const PORT_MAX = 65535;

function readPortNumber(c: MatchReadContext, v: JsonValue, path: string): number | undefined {
  if (typeof v !== 'number') {
    wrongType(c.sink, path, 'a port number', v);
    return undefined;
  }
  if (!Number.isInteger(v) || v < 0 || v > PORT_MAX) {
    c.sink.add('ace.port-out-of-range', path, `port ${v} is outside 0..65535`);
    return undefined;
  }
  return v;
}

/** RFC 8519 port-range-or-operator; tolerates `operator` beside a range (ignored, with a warning). */
export function readPortMatch(c: MatchReadContext, v: JsonValue, path: string): PortMatch | undefined {
  const obj = readObject(c.sink, v, path);
  if (!obj) return undefined;
  for (const k of Object.keys(obj)) {
    if (!['operator', 'port', 'lower-port', 'upper-port'].includes(k)) unsupported(c, ptr(path, k), k);
  }
  const lowerV = member(obj, 'lower-port');
  const upperV = member(obj, 'upper-port');
  const portV = member(obj, 'port');
  const opV = member(obj, 'operator');
  if (lowerV !== undefined || upperV !== undefined) {
    if (lowerV === undefined || upperV === undefined) {
      c.sink.add('ace.port-ambiguous', path, 'a port range needs both lower-port and upper-port');
      return undefined;
    }
    if (portV !== undefined) {
      c.sink.add('ace.port-ambiguous', ptr(path, 'port'), "'port' and a lower-port/upper-port range are both given");
      return undefined;
    }
    if (opV !== undefined) {
      c.sink.add('ace.operator-with-range', ptr(path, 'operator'), 'operator ignored: lower-port/upper-port define the range');
    }
    const lower = readPortNumber(c, lowerV, ptr(path, 'lower-port'));
    const upper = readPortNumber(c, upperV, ptr(path, 'upper-port'));
    if (lower === undefined || upper === undefined) return undefined;
    if (lower > upper) {
      c.sink.add('ace.port-range-inverted', ptr(path, 'lower-port'), `lower-port ${lower} is above upper-port ${upper}`);
      return undefined;
    }
    return { kind: 'range', lower, upper };
  }
  if (portV === undefined) {
    c.sink.add('ace.port-ambiguous', path, "no 'port' and no lower-port/upper-port");
    return undefined;
  }
  let operator: 'eq' | 'lte' | 'gte' | 'neq' = 'eq'; // RFC 8519: default "eq"
  if (opV !== undefined) {
    const op = readString(c.sink, opV, ptr(path, 'operator'));
    if (op === undefined) return undefined;
    if (op !== 'eq' && op !== 'lte' && op !== 'gte' && op !== 'neq') {
      c.sink.add('value.bad-enum', ptr(path, 'operator'), `operator '${op}' is not eq, lte, gte or neq`);
      return undefined;
    }
    operator = op;
  }
  const port = readPortNumber(c, portV, ptr(path, 'port'));
  return port === undefined ? undefined : { kind: 'operator', operator, port };
}

/** Records a member edgeward cannot enforce. */
export function unsupported(c: MatchReadContext, path: string, what: string): void {
  c.unsupported.push(path);
  c.sink.add('ace.unsupported-match', path, `'${what}' cannot be enforced by edgeward`);
}

/** Reads an ipv4/ipv6 network (inet:ipv4-prefix / ipv6-prefix); a bare address is a host prefix. */
export function readNetwork(c: MatchReadContext, v: JsonValue, path: string, family: 4 | 6): IpPrefix | undefined {
  const text = readString(c.sink, v, path);
  if (text === undefined) return undefined;
  const p = parsePrefix(text.trim(), family);
  if (!p) {
    c.sink.add('value.bad-network', path, `'${text}' is not an IPv${family} prefix`);
    return undefined;
  }
  if (p.bare) c.sink.add('ace.network-without-prefix', path, `'${text}' has no prefix length; read as /${p.length}`);
  else if (p.hostBits) c.sink.add('ace.network-host-bits', path, `'${text}' sets bits beyond /${p.length}; they are cleared`);
  return p;
}

/** Reads an ietf-acldns name (inet:host). */
export function readDnsName(c: MatchReadContext, v: JsonValue, path: string): string | undefined {
  const text = readString(c.sink, v, path);
  if (text === undefined) return undefined;
  const host = normaliseHost(text);
  if (host === undefined) c.sink.add('value.bad-host', path, `'${text}' is not a valid host name`);
  return host;
}

/** Reads the RFC 8520 `direction-initiated` enumeration. */
export function readDirection(c: MatchReadContext, v: JsonValue, path: string): Direction | undefined {
  const text = readString(c.sink, v, path);
  if (text === undefined) return undefined;
  if (text === 'from-device' || text === 'to-device') return text;
  c.sink.add('value.bad-enum', path, `'${text}' is not from-device or to-device`);
  return undefined;
}

/** RFC 8519 icmp match; `rest-of-header` cannot be enforced. */
export function readIcmp(c: MatchReadContext, obj: JsonObject, path: string): IcmpMatch {
  let type: number | undefined;
  let code: number | undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'type') type = readUint(c.sink, v, ptr(path, k), 255);
    else if (k === 'code') code = readUint(c.sink, v, ptr(path, k), 255);
    else unsupported(c, ptr(path, k), k);
  }
  return { ...(type !== undefined && { type }), ...(code !== undefined && { code }) };
}

function readEthertype(c: MatchReadContext, v: JsonValue, path: string): number | undefined {
  let value: number | undefined;
  if (typeof v === 'number') {
    value = readUint(c.sink, v, path, 0xffff);
  } else if (typeof v === 'string') {
    const name = v.startsWith('ietf-ethertypes:') ? v.slice('ietf-ethertypes:'.length) : v;
    if (/^0[xX][0-9a-fA-F]{1,4}$/.test(v)) {
      value = parseInt(v.slice(2), 16);
      c.sink.add('ace.ethertype-hex-string', path, `hex string '${v}' read as ethertype ${value}`);
    } else if (Object.prototype.hasOwnProperty.call(ETHERTYPE_NAMES, name)) {
      value = ETHERTYPE_NAMES[name];
    } else {
      c.sink.add('value.bad-ethertype', path, `'${v}' is not a number, a hex string or an ietf-ethertypes name`);
      return undefined;
    }
  } else {
    wrongType(c.sink, path, 'a number or an ethertype name', v);
    return undefined;
  }
  if (value !== undefined && value < ETHERTYPE_MIN) {
    c.sink.add('ace.ethertype-is-length', path, `ethertype 0x${value.toString(16).padStart(4, '0')} is an 802.3 length`);
  }
  return value;
}

function readMac(c: MatchReadContext, obj: JsonObject, path: string, which: 'source' | 'destination'): MacMatch | undefined {
  const addrKey = `${which}-mac-address`;
  const maskKey = `${which}-mac-address-mask`;
  const addrV = member(obj, addrKey);
  const maskV = member(obj, maskKey);
  if (addrV === undefined) {
    if (maskV !== undefined) c.sink.add('value.bad-mac', ptr(path, maskKey), `a mask without ${addrKey}`);
    return undefined;
  }
  const parse = (v: JsonValue, p: string): number | undefined => {
    const text = readString(c.sink, v, p);
    if (text === undefined) return undefined;
    const mac = parseMac(text);
    if (mac < 0) {
      c.sink.add('value.bad-mac', p, `'${text}' is not a MAC address`);
      return undefined;
    }
    return mac;
  };
  const mac = parse(addrV, ptr(path, addrKey));
  const mask = maskV === undefined ? MAC_FULL_MASK : parse(maskV, ptr(path, maskKey));
  return mac === undefined || mask === undefined ? undefined : { mac, mask };
}

/** RFC 8519 eth match; ethertype may be a number, an ietf-ethertypes name, or (quirk) a hex string. */
export function readEth(c: MatchReadContext, obj: JsonObject, path: string): EthMatch {
  const known = ['ethertype', 'source-mac-address', 'source-mac-address-mask', 'destination-mac-address', 'destination-mac-address-mask'];
  for (const k of Object.keys(obj)) if (!known.includes(k)) unsupported(c, ptr(path, k), k);
  const etV = member(obj, 'ethertype');
  const ethertype = etV === undefined ? undefined : readEthertype(c, etV, ptr(path, 'ethertype'));
  const source = readMac(c, obj, path, 'source');
  const destination = readMac(c, obj, path, 'destination');
  return {
    ...(ethertype !== undefined && { ethertype }),
    ...(source && { source }),
    ...(destination && { destination }),
  };
}

/** RFC 8520 §8 `ietf-mud:mud` match classes. */
export function readMudClasses(c: MatchReadContext, obj: JsonObject, path: string): MudClassMatch {
  const out: { -readonly [K in keyof MudClassMatch]: MudClassMatch[K] } = {};
  for (const [k, v] of Object.entries(obj)) {
    const p = ptr(path, k);
    switch (k) {
      case 'manufacturer': {
        const text = readString(c.sink, v, p);
        if (text === undefined) break;
        const host = normaliseHost(text);
        if (host === undefined) c.sink.add('value.bad-host', p, `'${text}' is not a valid domain`);
        else out.manufacturer = host;
        break;
      }
      case 'model':
      case 'controller': {
        const text = readString(c.sink, v, p);
        if (text === undefined) break;
        if (!isAbsoluteUri(text)) c.sink.add('value.bad-uri', p, `'${text}' is not an absolute URI`);
        else out[k] = text;
        break;
      }
      case 'same-manufacturer':
        if (readEmpty(c.sink, v, p)) out.sameManufacturer = true;
        break;
      case 'local-networks':
        if (readEmpty(c.sink, v, p)) out.localNetworks = true;
        break;
      case 'my-controller':
        if (readEmpty(c.sink, v, p)) out.myController = true;
        break;
      default:
        unsupported(c, p, k);
    }
  }
  return out;
}
