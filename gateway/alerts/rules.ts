// The fixed vocabulary of alert rule ids (DESIGN.md: add new ones, never rename), with each rule's
// default severity and the category an EVE consumer files it under.

/** Severity, lowest first. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Every rule: default severity, EVE category, and what it means. */
export const RULES = {
  'mud.violation': ['high', 'Policy Violation', 'a flow outside the device\'s MUD profile'],
  'mud.no-profile': ['low', 'Policy Violation', 'a device with no MUD profile'],
  'scan.port': ['high', 'Attempted Information Leak', 'one source probing many ports of one host'],
  'scan.host': ['high', 'Attempted Information Leak', 'one source probing one port on many hosts'],
  'bruteforce.telnet': ['critical', 'Attempted Administrator Privilege Gain', 'many telnet sessions or failed logins from one source (Mirai)'],
  'bruteforce.ssh': ['critical', 'Attempted Administrator Privilege Gain', 'many SSH sessions from one source'],
  'cleartext.telnet': ['medium', 'Potentially Bad Traffic', 'a telnet session to or from a LAN device (open maintenance port)'],
  'beacon.c2': ['high', 'A Network Trojan was Detected', 'periodic connections from a device to one destination'],
  'dns.tunnel': ['high', 'Potential Corporate Privacy Violation', 'DNS queries shaped like a tunnel'],
  'dns.exfiltration': ['high', 'Potential Corporate Privacy Violation', 'many bytes leaving in DNS query names'],
  'flood.syn': ['high', 'Attempted Denial of Service', 'a SYN or SYN-ACK flood'],
  'flood.udp': ['high', 'Attempted Denial of Service', 'a UDP flood'],
  'flood.amplification': ['high', 'Attempted Denial of Service', 'reflection traffic from UDP service ports'],
  'intel.blocklist': ['high', 'Known Bad Destination', 'traffic to or a DNS query for a listed address or domain'],
  'malware.download': ['critical', 'A Network Trojan was Detected', 'a LAN device fetching an executable or loader script'],
  'malware.mining': ['high', 'Crypto Currency Mining Activity Detected', 'a LAN device (or, seen in transit, any host) speaking a mining protocol'],
  'upnp.portmap': ['medium', 'Potentially Bad Traffic', 'a UPnP, NAT-PMP or PCP port-mapping request'],
  'baseline.new-destination': ['low', 'Not Suspicious Traffic', 'a device without a profile reaching a destination not seen while learning'],
  'device.new': ['low', 'Not Suspicious Traffic', 'a device seen for the first time'],
  'storm.reconnect': ['medium', 'Not Suspicious Traffic', 'many devices reappearing at once (power restored)'],
  'edge.error': ['medium', 'Not Suspicious Traffic', 'an error log from an edge device'],
  'sensor.fault': ['high', 'Not Suspicious Traffic', 'a plug-in of the sensor threw (contained; switched off past the fault limit)'],
  // Added with issue 16 (signature ids follow this order: new rules go last).
  'scan.icmp': ['high', 'Attempted Information Leak', 'one source sweeping many hosts with ICMP echo, timestamp or address-mask requests'],
  'scan.arp': ['medium', 'Attempted Information Leak', 'one LAN host asking ARP for many addresses of its subnet'],
  'exploit.http': ['critical', 'Attempted Administrator Privilege Gain', 'an exploit payload in an HTTP request (JNDI lookup, command injection into a device\'s web interface)'],
  'c2.http': ['medium', 'A Network Trojan was Detected', 'HTTP with several marks of malware command and control (bare-IP host, odd port, forged or random user agent, random path)'],
  'icmp.tunnel': ['high', 'Potential Corporate Privacy Violation', 'ICMP echo traffic carrying a tunnel (inner IP packets, or sustained large varying payloads)'],
  // Added with issue 19.
  'sensor.capture-loss': ['high', 'Not Suspicious Traffic', 'the capture lost packets (kernel, interface or capture ring drops rose): detection is blind to what was lost'],
  // Added with issue 20.
  'device.default-credential': ['critical', 'Successful Administrator Privilege Gain', 'a LAN device accepted a cleartext login (telnet, HTTP Basic, FTP) with a pair from a bundled default-credential list'],
} as const satisfies Record<string, readonly [Severity, string, string]>;

export type RuleId = keyof typeof RULES;

/** Every rule id, in the order above. */
export const RULE_IDS = Object.keys(RULES) as RuleId[];

export function isRuleId(s: string): s is RuleId {
  return Object.prototype.hasOwnProperty.call(RULES, s);
}

/** EVE `alert.severity` is 1 (highest) to 3 or 4; Suricata's convention. */
export function eveSeverity(s: Severity): number {
  return s === 'critical' ? 1 : s === 'high' ? 1 : s === 'medium' ? 2 : 3;
}
