// The detection rule ids, a fixed vocabulary (DESIGN.md: added to, never renamed), for the feed's
// rule filter; rules the server sends that are not listed here are added as they are seen.
export const RULE_IDS: readonly string[] = [
  'mud.violation', 'mud.no-profile', 'scan.port', 'scan.host', 'bruteforce.telnet', 'bruteforce.ssh',
  'cleartext.telnet', 'beacon.c2', 'dns.tunnel', 'dns.exfiltration', 'flood.syn', 'flood.udp',
  'flood.amplification', 'intel.blocklist', 'malware.download', 'malware.mining', 'upnp.portmap',
  'baseline.new-destination', 'device.new', 'storm.reconnect', 'edge.error', 'device.default-credential',
];
