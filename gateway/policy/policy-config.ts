// Settings of MUD enforcement (config `policy.*`): the mode, what devices without a profile get,
// where profiles come from, and what the abstract MUD classes stand for on this network.

/** Policy settings. All fixed at start. */
export interface PolicyConfig {
  /** `monitor`: alert on flows outside the profile; `enforce`: also drop them (nftables). Default monitor. */
  mode: 'monitor' | 'enforce';
  /** Devices without a profile: `allow` (alert mud.no-profile only) or `quarantine` (gateway services only). Default allow. */
  noProfile: 'allow' | 'quarantine';
  /** Directory of MUD files, matched to devices by the MUD URL they announce. Default none. */
  profilesDir: string;
  /** MAC → MUD file, for devices that announce nothing (the operator's binding). Default {}. */
  bindings: Record<string, string>;
  /** RFC 8520 local-networks, besides the device inventory's LAN prefixes. Default none. */
  localNetworks: string[];
  /** The gateway's own addresses: members of urn:ietf:params:mud:gateway (and of dns/ntp when those are empty). Default none. */
  gatewayAddresses: string[];
  /** Members of urn:ietf:params:mud:dns. Default: gatewayAddresses. */
  dnsServers: string[];
  /** Members of urn:ietf:params:mud:ntp. Default: gatewayAddresses. */
  ntpServers: string[];
  /** RFC 8520 controller classes: URI → addresses. Default {}. */
  controllers: Record<string, string[]>;
  /** RFC 8520 my-controller: MUD URL → addresses. Default {}. */
  myControllers: Record<string, string[]>;
  /** Emergency allow-list: prefixes never blocked and never alerted on (DESIGN: emergency traffic). Default none. */
  emergency: string[];
  /** MACs of devices whose traffic is learned into a MUD profile (`GET /api/v1/devices/:mac/learned-profile`). Default none. */
  learn: string[];
}

export const POLICY_DEFAULTS: Readonly<PolicyConfig> = Object.freeze({
  mode: 'monitor',
  noProfile: 'allow',
  profilesDir: '',
  bindings: Object.freeze({}) as Record<string, string>,
  localNetworks: Object.freeze([]) as unknown as string[],
  gatewayAddresses: Object.freeze([]) as unknown as string[],
  dnsServers: Object.freeze([]) as unknown as string[],
  ntpServers: Object.freeze([]) as unknown as string[],
  controllers: Object.freeze({}) as Record<string, string[]>,
  myControllers: Object.freeze({}) as Record<string, string[]>,
  emergency: Object.freeze([]) as unknown as string[],
  learn: Object.freeze([]) as unknown as string[],
});
