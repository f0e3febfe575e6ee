// Which devices an audit may connect to, at which address, decided before a single packet is sent:
// the device must consent (audit.consent, --consent-file), and its address must be on the LAN side
// (the private and link-local ranges plus the configured local networks) and not one of the
// gateway's own. A plan with any refused device is refused whole, so a mistyped --device never
// turns into a partial audit.
import { ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from '../../common/address-text.js';
import { parsePrefix } from '../../../policies/net/ip-address.js';
import { lanNetworks, LocalNetworks } from '../../track/local-networks.js';

/** Why a device is not audited. */
export type RefusalCode =
  /** Not in audit.consent nor the consent file. */
  | 'exposure.no-consent'
  /** Its address is outside the LAN ranges. */
  | 'exposure.not-lan'
  /** Its address is one of the gateway's own. */
  | 'exposure.own-address'
  /** No address is known for it (neither the device table nor the kernel's neighbour table has one). */
  | 'exposure.no-address';

/** One refused device. */
export interface Refusal {
  /** '' when the audit named no device and none consents. */
  mac: string;
  code: RefusalCode;
  message: string;
}

/** The audit was refused before anything was sent: every refused device, with why. */
export class AuditRefusal extends Error {
  /** `exposure.no-consent` when some device has not consented (what matters most), else the first refusal's code. */
  readonly code: RefusalCode;
  constructor(readonly refusals: readonly Refusal[]) {
    super(refusals.map((r) => r.message).join('; '));
    this.name = 'AuditRefusal';
    this.code = (refusals.find((r) => r.code === 'exposure.no-consent') ?? refusals[0]!).code;
  }
}

/** One device to audit. */
export interface AuditTarget {
  mac: string;
  /** Canonical address text (RFC 5952 for IPv6). */
  ip: string;
}

/** What decides whether a target may be audited. */
export interface AuditScope {
  /** Consenting MACs, canonical. */
  consent: ReadonlySet<string>;
  /** The LAN side: the default ranges plus the configured local networks. */
  lan: LocalNetworks;
  /** The gateway's own addresses (policy.gatewayAddresses and its interfaces'), as host prefixes. */
  own: LocalNetworks;
}

/**
 * The scope of an audit. `localNetworks` are the operator's (devices.localNetworks, policy.localNetworks),
 * added to the default private ranges; `gatewayAddresses` the gateway's own (entries that do not parse
 * are skipped: an interface may carry an address the policy parser refuses).
 */
export function auditScope(consent: ReadonlySet<string>, localNetworks: readonly string[], gatewayAddresses: readonly string[]): AuditScope {
  return {
    consent,
    lan: lanNetworks(localNetworks),
    own: new LocalNetworks(gatewayAddresses.filter((a) => parsePrefix(a.trim()) !== null)),
  };
}

/** An address in canonical text with its family, or null when it is not an address. */
export function canonicalIp(text: string): { ip: string; family: 4 | 6; inNets: (n: LocalNetworks) => boolean } | null {
  const v4 = parseIpv4(text);
  if (v4 >= 0) return { ip: ipv4ToString(v4), family: 4, inNets: (n) => n.hasV4(v4) };
  const v6 = parseIpv6(text);
  if (v6 === null) return null;
  return { ip: ipv6ToString(...v6), family: 6, inNets: (n) => n.hasV6(...v6) };
}

/** fe80::/10: reachable only with an interface named (a zone), which a device's address list does not carry. */
const isLinkLocalV6 = (ip: string): boolean => /^fe[89ab]/i.test(ip);

/** The refusal of a device that has not consented. */
export const consentRefusal = (mac: string): Refusal => ({ mac, code: 'exposure.no-consent', message: `${mac} has not consented to the audit (audit.consent or --consent-file)` });

/** An audit of "every consenting device" when none consents. */
export const nobodyConsents = (): AuditRefusal => new AuditRefusal([{ mac: '', code: 'exposure.no-consent', message: 'no device consents to the audit (audit.consent is empty, and no --consent-file names one)' }]);

/** Why `ip` may not be audited, or null when it may. */
export function addressRefusal(scope: AuditScope, mac: string, ipText: string): Refusal | null {
  const a = canonicalIp(ipText);
  if (a === null || !a.inNets(scope.lan)) return { mac, code: 'exposure.not-lan', message: `${mac}: ${ipText} is not a LAN address (private ranges and the configured local networks only)` };
  if (a.inNets(scope.own)) return { mac, code: 'exposure.own-address', message: `${mac}: ${ipText} is one of the gateway's own addresses` };
  return null;
}

/**
 * The targets of `macs`, each at the first of its known addresses that may be audited (IPv4 before
 * IPv6), or AuditRefusal naming every device that may not.
 */
export function planTargets(scope: AuditScope, macs: readonly string[], addressesOf: (mac: string) => readonly string[]): AuditTarget[] {
  const out: AuditTarget[] = [];
  const refused: Refusal[] = [];
  for (const mac of macs) {
    if (!scope.consent.has(mac)) {
      refused.push(consentRefusal(mac));
      continue;
    }
    const known = [...new Set(addressesOf(mac).map((t) => canonicalIp(t)).filter((a) => a !== null).filter((a) => !(a.family === 6 && isLinkLocalV6(a.ip))))]
      .sort((x, y) => x.family - y.family);
    if (known.length === 0) {
      refused.push({ mac, code: 'exposure.no-address', message: `${mac}: no IPv4 or routable IPv6 address is known for it (not in the device table nor the neighbour table)` });
      continue;
    }
    const ok = known.find((a) => addressRefusal(scope, mac, a.ip) === null);
    if (ok === undefined) refused.push(addressRefusal(scope, mac, known[0]!.ip)!);
    else out.push({ mac, ip: ok.ip });
  }
  if (refused.length > 0) throw new AuditRefusal(refused);
  return out;
}
