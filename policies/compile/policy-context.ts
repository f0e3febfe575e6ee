// What the compiler needs to know beyond the MUD file: who the device is, and what the abstract
// MUD classes (controllers, local networks, other devices' manufacturers and models) stand for on
// this network. Comes from config and from the device tracker.

import { parseMac } from '../net/mac-address.js';
import { parsePrefix, type IpPrefix } from '../net/ip-address.js';

/** Another device on the network, as the tracker knows it. */
export interface PeerDevice {
  /** The MUD URL the device announced (DHCP option 161, LLDP, certificate). */
  readonly mudUrl: string;
  /** Its addresses (or prefixes), text. */
  readonly addresses: readonly string[];
}

/** The context a profile is compiled in. Every member is optional. */
export interface PolicyContext {
  /** The device's MAC, `aa:bb:cc:dd:ee:ff`. Needed by nftables (device chains) and MAC matches. */
  readonly deviceMac?: string;
  /** The device's own addresses, text: initial members of its nftables address sets (to-device dispatch). */
  readonly deviceAddresses?: readonly string[];
  /** The MUD URL the device announced; defaults to the profile's mud-url. Its host is the manufacturer authority. */
  readonly mudUrl?: string;
  /** RFC 8520 `local-networks`: the prefixes considered local, e.g. ['192.168.1.0/24', 'fd00::/64']. Default none. */
  readonly localNetworks?: readonly string[];
  /**
   * Also treat scopes that never cross the gateway as local (see {@link LINK_SCOPE_PREFIXES}).
   * Default true.
   */
  readonly linkScopeIsLocal?: boolean;
  /** RFC 8520 `controller`: class URI → addresses or prefixes of its members. */
  readonly controllers?: Readonly<Record<string, readonly string[]>>;
  /** The gateway's own services, the members of the IANA URNs urn:ietf:params:mud:{dns,ntp,gateway}. */
  readonly services?: { readonly dns?: readonly string[]; readonly ntp?: readonly string[]; readonly gateway?: readonly string[] };
  /** RFC 8520 `my-controller`: MUD URL → controller addresses configured for devices with that URL. */
  readonly myControllers?: Readonly<Record<string, readonly string[]>>;
  /** Other devices and their MUD URLs (for manufacturer, same-manufacturer and model). Updatable at run time. */
  readonly peers?: readonly PeerDevice[];
  /** Emergency allow-list: prefixes that are always allowed, before any ACE. */
  readonly emergency?: readonly string[];
  /** How long a DNS answer stays usable beyond its TTL, seconds. Default 300. */
  readonly dnsGraceSeconds?: number;
  /** Most addresses remembered per DNS name; the oldest is evicted past it. Default 256. */
  readonly dnsMaxAddressesPerName?: number;
}

/** Defaults of {@link PolicyContext}. */
export const POLICY_CONTEXT_DEFAULTS = Object.freeze({
  linkScopeIsLocal: true,
  dnsGraceSeconds: 300,
  dnsMaxAddressesPerName: 256,
});

/**
 * Scopes that do not leave the local network through a home/edge gateway: IPv4 link-local,
 * local network control block multicast, administratively scoped multicast (RFC 2365), limited
 * broadcast; IPv6 link-local unicast, and link- and site-scope multicast (RFC 4291 §2.7).
 */
export const LINK_SCOPE_PREFIXES: readonly string[] = Object.freeze([
  '169.254.0.0/16', '224.0.0.0/24', '239.0.0.0/8', '255.255.255.255/32',
  'fe80::/10', 'ff02::/16', 'ff05::/16',
]);

/** Private address space: a reasonable local-networks default for tools without a config. */
export const PRIVATE_NETWORKS: readonly string[] = Object.freeze([
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7',
]);

/** The IANA URNs RFC 8520 and common tools use for the gateway's services. */
export const SERVICE_URNS = Object.freeze({
  dns: 'urn:ietf:params:mud:dns',
  ntp: 'urn:ietf:params:mud:ntp',
  gateway: 'urn:ietf:params:mud:gateway',
});

/** A context value that does not parse. */
export class PolicyContextError extends Error {
  readonly code = 'policy.bad-context';
  constructor(message: string) {
    super(message);
    this.name = 'PolicyContextError';
  }
}

/** Parses prefix/address texts of a context member; throws {@link PolicyContextError}. */
export function contextPrefixes(texts: readonly string[] | undefined, what: string): IpPrefix[] {
  const out: IpPrefix[] = [];
  for (const t of texts ?? []) {
    const p = parsePrefix(t.trim());
    if (!p) throw new PolicyContextError(`${what}: '${t}' is not an IP address or prefix`);
    out.push(p);
  }
  return out;
}

/** The device MAC of a context as a 48-bit integer, or -1. Throws on malformed text. */
export function contextMac(ctx: PolicyContext): number {
  if (ctx.deviceMac === undefined) return -1;
  const mac = parseMac(ctx.deviceMac.toLowerCase());
  if (mac < 0) throw new PolicyContextError(`deviceMac: '${ctx.deviceMac}' is not a MAC address`);
  return mac;
}

/** Compares URLs/URIs the way RFC 3986 §6.2.2 normalisation allows (case of scheme and host). */
export function normaliseUri(text: string): string {
  const t = text.trim();
  try {
    return new URL(t).href;
  } catch {
    return t;
  }
}

/** Controller addresses for a class URI, including the service URNs. */
export function controllerTexts(ctx: PolicyContext, uri: string): string[] {
  const want = normaliseUri(uri);
  const out: string[] = [];
  for (const [k, v] of Object.entries(ctx.controllers ?? {})) if (normaliseUri(k) === want) out.push(...v);
  const s = ctx.services;
  if (s) {
    if (want === SERVICE_URNS.dns) out.push(...(s.dns ?? []));
    if (want === SERVICE_URNS.ntp) out.push(...(s.ntp ?? []));
    if (want === SERVICE_URNS.gateway) out.push(...(s.gateway ?? []));
  }
  return out;
}

/** my-controller addresses for a device MUD URL. */
export function myControllerTexts(ctx: PolicyContext, mudUrl: string): string[] {
  const want = normaliseUri(mudUrl);
  const out: string[] = [];
  for (const [k, v] of Object.entries(ctx.myControllers ?? {})) if (normaliseUri(k) === want) out.push(...v);
  return out;
}

/** Local-network prefix texts, with the link scopes unless switched off. */
export function localNetworkTexts(ctx: PolicyContext): string[] {
  const link = ctx.linkScopeIsLocal ?? POLICY_CONTEXT_DEFAULTS.linkScopeIsLocal;
  return [...(ctx.localNetworks ?? []), ...(link ? LINK_SCOPE_PREFIXES : [])];
}
