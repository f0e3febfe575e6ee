// Settings of MUD profile learning: which devices, over which window, how much state a device may
// hold, and how the profile is cut (the long tail of rare destinations). Defaults in one object.
import type { PolicyConfig } from '../policy/policy-config.js';

/** What the learner is given when it is built. Fixed for its life. */
export interface LearnerOptions {
  /** MACs of the devices to learn ("aa:bb:cc:dd:ee:ff"; config `policy.learn`). Default none. */
  devices: readonly string[];
  /**
   * Learn only the first this many seconds of each device's traffic, counted from its first flow;
   * 0 learns for as long as the learner runs. Default 0.
   */
  windowSeconds: number;
  /** Distinct peers (LAN addresses, DNS names, internet addresses) kept per device; flows to more are counted, not learned. Default 512. */
  maxDestinations: number;
  /** Distinct rules (peer, protocol, service port) kept per device. Default 2048. */
  maxRules: number;
  /** DNS answers (address → the name the device asked for) remembered per device, oldest dropped first. Default 4096. */
  maxAnsweredAddresses: number;
  /**
   * What the MUD classes stand for on this network (config `policy`): gateway, DNS and NTP server
   * addresses, controllers, my-controllers and extra local networks. Default: none configured.
   */
  policy: Pick<PolicyConfig, 'gatewayAddresses' | 'dnsServers' | 'ntpServers' | 'controllers' | 'myControllers' | 'localNetworks'>;
}

/** How one profile is cut from what was learned. */
export interface ProfileOptions {
  /** mud-url of the profile. Default: the URL the device announced, else a placeholder under example.invalid. */
  mudUrl?: string;
  /** Also add the rare destinations of the long tail (they are always listed in the report). Default false. */
  includeRare?: boolean;
  /** A destination seen in fewer flows than this is rare... Default 2. */
  minFlows?: number;
  /** ...when the device talked to more than this many internet destinations. Default 20. */
  tailAfter?: number;
  /** last-update, µs of packet time. Default: the last packet the learner saw. */
  nowTs?: number;
}

/** Defaults of {@link LearnerOptions}. */
export const LEARNER_DEFAULTS: Readonly<LearnerOptions> = Object.freeze({
  devices: Object.freeze([]),
  windowSeconds: 0,
  maxDestinations: 512,
  maxRules: 2048,
  maxAnsweredAddresses: 4096,
  policy: Object.freeze({
    gatewayAddresses: [], dnsServers: [], ntpServers: [], controllers: {}, myControllers: {}, localNetworks: [],
  }),
});

/** Defaults of the long-tail cut in {@link ProfileOptions}. */
export const TAIL_DEFAULTS = Object.freeze({ minFlows: 2, tailAfter: 20 });
