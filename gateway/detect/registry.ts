// Every detector kind, in the order they run. One file each under detectors/; the config key of
// each is its `name` (`detect.<name>.<key>` in the config file).
import type { PluginSpec } from '../sensor/plugin.js';
import { baseline } from './detectors/baseline.js';
import { beacon } from './detectors/beacon.js';
import { bruteforce } from './detectors/bruteforce.js';
import { c2Http } from './detectors/c2-http.js';
import { cleartextTelnet } from './detectors/cleartext-telnet.js';
import { defaultCredential } from './detectors/default-credential.js';
import { deviceNew } from './detectors/device-new.js';
import { dnsExfiltration } from './detectors/dns-exfiltration.js';
import { dnsTunnel } from './detectors/dns-tunnel.js';
import { exploitHttp } from './detectors/exploit-http.js';
import { floodAmplification } from './detectors/flood-amplification.js';
import { floodSyn } from './detectors/flood-syn.js';
import { floodUdp } from './detectors/flood-udp.js';
import { icmpTunnel } from './detectors/icmp-tunnel.js';
import { intel } from './detectors/intel-blocklist.js';
import { malwareDownload } from './detectors/malware-download.js';
import { malwareMining } from './detectors/malware-mining.js';
import { scanArp } from './detectors/scan-arp.js';
import { scanHost } from './detectors/scan-host.js';
import { scanIcmp } from './detectors/scan-icmp.js';
import { scanPort } from './detectors/scan-port.js';
import { stormReconnect } from './detectors/storm-reconnect.js';
import { upnpPortmap } from './detectors/upnp-portmap.js';

/** The registry. The storm detector runs before deviceNew so a storm is open when held alerts go out. */
export const DETECTORS: readonly PluginSpec<object>[] = [
  scanPort, scanHost, scanIcmp, scanArp, bruteforce, cleartextTelnet, defaultCredential, beacon, dnsTunnel, dnsExfiltration, icmpTunnel, floodSyn, floodUdp,
  floodAmplification, intel, exploitHttp, malwareDownload, malwareMining, c2Http, upnpPortmap, stormReconnect, deviceNew, baseline,
];
