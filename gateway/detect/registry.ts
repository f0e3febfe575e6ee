// Every detector kind, in the order they run. One file each under detectors/; the config key of
// each is its `name` (`detect.<name>.<key>` in the config file).
import type { DetectorSpec } from './detector.js';
import { beacon } from './detectors/beacon.js';
import { bruteforce } from './detectors/bruteforce.js';
import { cleartextTelnet } from './detectors/cleartext-telnet.js';
import { dnsExfiltration } from './detectors/dns-exfiltration.js';
import { dnsTunnel } from './detectors/dns-tunnel.js';
import { scanHost } from './detectors/scan-host.js';
import { scanPort } from './detectors/scan-port.js';

/** The registry. */
export const DETECTORS: readonly DetectorSpec<object>[] = [
  scanPort, scanHost, bruteforce, cleartextTelnet, beacon, dnsTunnel, dnsExfiltration,
];
