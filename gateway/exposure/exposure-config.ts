// Settings of the exposure inventory (config section `exposure`): the caps of its tables and how the
// gateway's own port forwards are read. The audit's settings (consent, pace) are the `audit` section.
import { EXPOSURE_TRACKER_DEFAULTS } from './exposure-tracker.js';

/** Config `exposure`. Read at start. */
export interface ExposureConfig {
  /** Services kept (device × transport × port); the least recently seen go first (`exposure.service_table_full`). Default 16384. */
  maxServices: number;
  /** Port mappings kept (UPnP, NAT-PMP, PCP); the least recently asked go first (`exposure.mapping_table_full`). Default 4096. */
  maxMappings: number;
  /**
   * Read the gateway's port forwards (`dnat` rules) from `nft -j list ruleset` when capturing live
   * (needs CAP_NET_ADMIN; a failure is logged once and the rest goes on). Default true.
   */
  nftForwards: boolean;
  /** Seconds between two reads of the ruleset. Default 60. */
  nftRefreshSeconds: number;
}

export const EXPOSURE_DEFAULTS: Readonly<ExposureConfig> = Object.freeze({
  ...EXPOSURE_TRACKER_DEFAULTS, nftForwards: true, nftRefreshSeconds: 60,
});
