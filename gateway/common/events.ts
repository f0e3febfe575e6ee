// The one closed list of named decode anomalies (after Suricata's decode-events.h). A decoder that
// meets bad input returns the negated code of one of these; the pipeline counts it by name. Codes
// are positions in this list, assigned at load: they never leave the process (counters are read and
// exported by name), so a new name goes in its section. Names are never reused or renamed.

/** Every decode event: name, then why it exists. */
export const DECODE_EVENT_LIST = [
  ['decoder.none', 'placeholder so that real codes start at 1'],
  // capture and link layer
  ['decoder.link.unsupported', 'link type with no decoder (counted, frame skipped)'],
  ['decoder.frame.truncated', 'captured length shorter than the header the link type needs'],
  ['decoder.ethernet.too_small', 'frame shorter than the 14-byte Ethernet header'],
  ['decoder.vlan.too_small', '802.1Q/802.1ad tag cut short'],
  ['decoder.vlan.too_many_layers', 'more stacked VLAN tags than decode.maxVlanDepth'],
  ['decoder.sll.too_small', 'Linux cooked (SLL) header cut short'],
  ['decoder.sll2.too_small', 'Linux cooked v2 (SLL2) header cut short'],
  ['decoder.null.too_small', 'BSD loopback header cut short'],
  ['decoder.null.unknown_family', 'BSD loopback address family that is neither IPv4 nor IPv6'],
  ['decoder.ethertype.unknown', 'ethertype with no decoder (counted, not an error in the frame)'],
  ['decoder.arp.too_small', 'ARP packet cut short'],
  ['decoder.arp.unsupported', 'ARP for a hardware/protocol pair other than Ethernet/IPv4'],
  // IPv4
  ['decoder.ipv4.too_small', 'shorter than the 20-byte IPv4 header'],
  ['decoder.ipv4.wrong_version', 'version field is not 4'],
  ['decoder.ipv4.hlen_too_small', 'IHL below 5 words'],
  ['decoder.ipv4.hlen_too_big', 'IHL beyond the captured bytes'],
  ['decoder.ipv4.iplen_smaller_than_hlen', 'total length smaller than the header length'],
  ['decoder.ipv4.trunc_pkt', 'total length beyond the captured bytes'],
  ['decoder.ipv4.opt_malformed', 'an IPv4 option runs past the header'],
  // IPv6
  ['decoder.ipv6.too_small', 'shorter than the 40-byte IPv6 header'],
  ['decoder.ipv6.wrong_version', 'version field is not 6'],
  ['decoder.ipv6.trunc_pkt', 'payload length beyond the captured bytes'],
  ['decoder.ipv6.exthdr_too_small', 'an extension header runs past the packet'],
  ['decoder.ipv6.exthdr_too_many', 'more extension headers than decode.maxIpv6ExtHeaders'],
  // transport
  ['decoder.ipproto.unknown', 'IP protocol with no decoder (counted, flow still tracked)'],
  ['decoder.tcp.too_small', 'shorter than the 20-byte TCP header'],
  ['decoder.tcp.hlen_too_small', 'data offset below 5 words'],
  ['decoder.tcp.hlen_too_big', 'data offset beyond the captured bytes'],
  ['decoder.udp.too_small', 'shorter than the 8-byte UDP header'],
  ['decoder.udp.len_invalid', 'UDP length below 8 or beyond the IP payload'],
  ['decoder.icmpv4.too_small', 'shorter than the 4-byte ICMP header'],
  ['decoder.icmpv6.too_small', 'shorter than the 4-byte ICMPv6 header'],
  ['decoder.icmpv6.ndp_malformed', 'an NDP option has length 0 or runs past the packet'],
  // application layer
  ['decoder.dns.too_small', 'shorter than the 12-byte DNS header'],
  ['decoder.dns.truncated', 'a question or record runs past the message'],
  ['decoder.dns.bad_label', 'a label type that is neither a length nor a pointer'],
  ['decoder.dns.name_too_long', 'a name longer than 255 bytes (RFC 1035 §2.3.4)'],
  ['decoder.dns.pointer_loop', 'compression pointers that loop or exceed the hop limit'],
  ['decoder.dns.too_many_records', 'more records than decode.maxDnsRecords'],
  ['decoder.dhcp.too_small', 'shorter than the 240-byte BOOTP header with magic cookie'],
  ['decoder.dhcp.bad_cookie', 'the DHCP magic cookie is missing (plain BOOTP or garbage)'],
  ['decoder.dhcp.option_truncated', 'a DHCP option runs past the packet'],
  ['decoder.dhcpv6.too_small', 'shorter than the 4-byte DHCPv6 header'],
  ['decoder.dhcpv6.option_truncated', 'a DHCPv6 option runs past the packet'],
  ['decoder.lldp.too_small', 'an LLDP TLV header cut short'],
  ['decoder.lldp.tlv_truncated', 'an LLDP TLV runs past the frame'],
  ['decoder.lldp.missing_mandatory', 'the chassis ID, port ID or TTL TLV is missing'],
  ['decoder.tls.malformed', 'a TLS record or ClientHello whose lengths do not add up'],
  ['decoder.tls.incomplete', 'a ClientHello that never completed within the reassembly cap'],
  ['decoder.http.malformed', 'a request line that is not METHOD SP URI SP HTTP/x.y'],
  ['decoder.http.incomplete', 'request headers that never ended within the reassembly cap'],
  ['decoder.ssdp.malformed', 'an SSDP datagram that is not an HTTP-over-UDP message'],
  ['decoder.dhcpv6.relay_too_deep', 'relay messages nested deeper than the unwrap cap (8; RFC 8415 §7.6)'],
  // TCP stream reassembly (gateway/stream/): facts about the stream, not malformed packets
  ['stream.retransmission', 'a segment whose bytes were all delivered already (dropped)'],
  ['stream.overlap', 'a segment overlapping bytes already delivered or held, with the same data'],
  ['stream.overlap_different_data', 'a segment overlapping bytes already delivered or held, with different data (first copy kept)'],
  ['stream.gap', 'bytes never seen before the stream moved on (skipped; the app module is told)'],
  ['stream.depth_reached', 'a direction passed stream.depth: its later bytes are only counted'],
  ['stream.flow_memcap', 'out-of-order bytes of one flow passed stream.maxOutOfOrderPerFlow (a gap is taken)'],
  ['stream.memcap', 'out-of-order bytes of all flows passed stream.maxOutOfOrderTotal (a gap is taken)'],
  ['stream.seq_out_of_window', 'a segment too far ahead of the expected sequence number to hold (ignored)'],
  // table caps (common/bounded-table.ts): an entry evicted at a table's cap
  ['flow.table_full', 'a flow evicted at flows.maxFlows (the least recently seen ends as "evicted")'],
  ['device.table_full', 'a device evicted at devices.maxDevices (the least recently seen is forgotten)'],
  ['dns.table_full', 'a name evicted at dns.maxNames (the least recently answered; MUD dst-dnsname may miss it)'],
  ['alert.dedup_table_full', 'an open deduplication entry closed at alerts.maxOpen (its next occurrence is a new alert)'],
  ['incident.open_table_full', 'an open incident no longer joined at incidents.maxOpen (it stays open; its subject\'s next alert opens a new one)'],
  ['auth.limiter_table_full', 'a source address, or a (source, token prefix) pair, forgotten by the failed-authentication limiter at its maxClients (its failures restart)'],
  ['edge_log.limiter_table_full', 'a device forgotten by the edge-log rate limiter at edgeLogs.maxDevices (its bucket restarts full)'],
  ['exposure.service_table_full', 'a device\'s service forgotten by the exposure inventory at its maxServices (default 16,384; the least recently seen)'],
  ['exposure.mapping_table_full', 'a port mapping forgotten by the exposure inventory at its maxMappings (default 4,096; the least recently asked)'],
  ['meter.table_full', 'a device evicted from the traffic meter at metrics.maxMeteredDevices (its counters restart)'],
  ['explain.denial_table_full', 'a denied flow\'s decision-time explanation forgotten at the denial recorder\'s maxEntries (default 20,000)'],
  ['detect.scanPort.table_full', 'a (source, destination) pair evicted at detect.scanPort.maxTracked (its probes are forgotten)'],
  ['detect.scanPort.findings_table_full', 'an open port-scan finding closed early at detect.scanPort.maxFindings'],
  ['detect.scanHost.table_full', 'a (source, port) key evicted at detect.scanHost.maxTracked (its attempts are forgotten)'],
  ['detect.scanHost.findings_table_full', 'an open host-sweep finding closed early at detect.scanHost.maxFindings'],
  ['detect.beacon.table_full', 'a (device, server name) or (device, destination, protocol, port) pair evicted at detect.beacon.maxPairs (its check-ins are forgotten)'],
  ['detect.dnsTunnel.table_full', 'a (device, domain) window evicted at detect.dnsTunnel.maxDomains'],
  ['detect.dnsExfiltration.table_full', 'a (device, domain) window evicted at detect.dnsExfiltration.maxDomains'],
  ['detect.floodSyn.table_full', 'a SYN or SYN-ACK target evicted at detect.floodSyn.maxVictims (one not in a flood first)'],
  ['detect.floodUdp.table_full', 'a UDP target evicted at detect.floodUdp.maxVictims (one not in a flood first)'],
  ['detect.floodAmplification.table_full', 'a reflection target evicted at detect.floodAmplification.maxVictims (one not in a flood first)'],
  ['detect.intel.table_full', 'a blocklist entry not loaded at detect.intel.maxEntries (counted at every load), or an address resolved from a listed name forgotten at detect.intel.maxResolved'],
  ['detect.stormReconnect.table_full', 'a device\'s last-seen time forgotten at detect.stormReconnect.maxDevices'],
  ['detect.deviceNew.table_full', 'a reported MAC forgotten at detect.deviceNew.maxRemembered (it may be reported again)'],
  ['detect.deviceNew.held_table_full', 'a device.new alert raised early at detect.deviceNew.maxHeld (a storm may not fold it)'],
  ['detect.malwareDownload.table_full', 'a connection with unanswered loader requests decided early at detect.malwareDownload.maxFlows, or a (device, server) download record forgotten at detect.malwareDownload.maxServers'],
  ['detect.malwareMining.table_full', 'a reported connection forgotten at detect.malwareMining.maxFlows (a later call on it is reported again)'],
  ['detect.bruteforce.table_full', 'a (source, server, port) key dropped at detect.bruteforce.maxTracked (its open finding is closed)'],
  ['detect.cleartextTelnet.table_full', 'a decided telnet flow forgotten at detect.cleartextTelnet.maxTracked (it may be counted again)'],
  ['detect.scanIcmp.table_full', 'an ICMP-sweeping source evicted at detect.scanIcmp.maxTracked (its probes are forgotten)'],
  ['detect.scanArp.table_full', 'an ARP asker evicted at detect.scanArp.maxTracked (its requests are forgotten)'],
  ['detect.icmpTunnel.table_full', 'an ICMP echo pair evicted at detect.icmpTunnel.maxPairs (its counts are forgotten)'],
  ['detect.exploitHttp.table_full', 'a reported (source, target, signature) forgotten at detect.exploitHttp.maxTracked (it may be reported again)'],
  ['detect.c2Http.table_full', 'a (device, server) pair evicted at detect.c2Http.maxTracked (its marks are forgotten)'],
  ['detect.baseline.table_full', 'a device\'s baseline dropped at detect.baseline.maxDevices (it learns afresh if it returns)'],
  ['fleet.traffic_table_full', 'a peer, device or TLS pair not tracked in a per-minute traffic summary: the minute already holds fleet/traffic-summary.ts MAX_KEYS_PER_MINUTE of that kind (its traffic still counts in the totals)'],
  // sensor (gateway/sensor/): the plug-in fault boundary
  ['sensor.plugin_fault', 'a plug-in hook threw; contained and counted, capture goes on'],
  ['sensor.plugin_disabled', 'a plug-in passed sensor.faultLimit faults within sensor.faultWindowSeconds and was switched off'],
  // live capture (gateway/capture/): losses outside the packet path, counted where they happen
  ['capture.ring_full', 'a captured frame dropped because the capture thread\'s ring was full (the packet path fell behind)'],
  ['capture.worker_ring_full', 'a frame waited for a full worker ring (replay) or was dropped at it (live capture)'],
  // application-protocol modules (gateway/app/)
  ['decoder.http.response_malformed', 'a status line that is not HTTP/1.x SP 3DIGIT, or a response header line with no field name'],
  ['decoder.http.head_too_long', 'a request or response head past the HTTP module cap (8 KiB); the module stops for the connection'],
  ['decoder.http.bad_content_length', 'a Content-Length that is not a decimal number, or repeated with different values (RFC 9112 §6.3)'],
  ['decoder.http.bad_transfer_encoding', 'a request whose Transfer-Encoding does not end in chunked: its length is unknowable (RFC 9112 §6.3)'],
  ['decoder.http.bad_chunk', 'a chunk-size line that is not hex or too long, or chunk data not followed by CRLF (RFC 9112 §7.1)'],
  ['decoder.tls.unexpected_message', 'the first record or handshake message of a direction is not its hello: most often a connection picked up after its handshake (counted, not an input error)'],
  ['decoder.tls.hello_too_long', 'a hello message longer than the TLS module cap (64 KiB)'],
  ['decoder.ssh.banner_malformed', 'an identification line that is not SSH-protoversion-softwareversion (RFC 4253 §4.2)'],
  ['decoder.ssh.banner_too_long', 'no identification line within 255 bytes, or server lines before it past the cap (RFC 4253 §4.2)'],
  ['decoder.stratum.line_too_long', 'a JSON-RPC line longer than the Stratum module cap (4 KiB)'],
  // alert suppression (gateway/alerts/suppressions.ts): facts about the alert path, not the traffic
  ['alert.suppressed', 'an alert input silenced by an active suppression (counted per input; each suppression counts its occurrences and keeps them listable)'],
  // fleet (gateway/fleet/): the outbox of records for the SOC
  ['fleet.outbox_dropped', 'a record for the SOC dropped unsent at fleet.outboxMaxRecords (the oldest waiting goes first)'],
  ['fleet.command_refused', 'a control command from the fleet refused (malformed, no key, bad signature, wrong site, expired, or refused by the response layer); acked with its code'],
  // privacy (gateway/sensor/packet-pipeline.ts): traffic the owner did not consent to have inspected
  ['privacy.excluded_frame', 'a frame to or from a device in privacy.excludeDevices: counted in its traffic meter, not inspected'],
] as const;

/** Dotted name of a decode event, e.g. `decoder.ipv4.trunc_pkt`. */
export type DecodeEventName = (typeof DECODE_EVENT_LIST)[number][0];

/** Number of decode event codes (the size of a counter array). */
export const DECODE_EVENT_COUNT = DECODE_EVENT_LIST.length;

const CODE_BY_NAME = new Map<string, number>(DECODE_EVENT_LIST.map(([n], i) => [n, i]));

/** Code of a decode event name; decoders return its negation. */
export function ev(name: DecodeEventName): number {
  return CODE_BY_NAME.get(name)!;
}

/** Name of a decode event code (positive or negated). */
export function eventName(code: number): DecodeEventName {
  const e = DECODE_EVENT_LIST[Math.abs(code)];
  if (e === undefined) throw new RangeError(`unknown decode event code ${code}`);
  return e[0];
}

/** Per-event counters, indexed by code. */
export class DecodeCounters {
  readonly counts = new Float64Array(DECODE_EVENT_COUNT);
  /** Count one occurrence of a (possibly negated) code. */
  add(code: number): void {
    this.counts[code < 0 ? -code : code]++;
  }
  /** Total over every event except the unknown-type ones, which are not errors in the input. */
  errors(): number {
    let n = 0;
    for (let i = 1; i < DECODE_EVENT_COUNT; i++) if (!INFORMATIONAL.has(i)) n += this.counts[i]!;
    return n;
  }
  /** Non-zero counters by name. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 1; i < DECODE_EVENT_COUNT; i++) if (this.counts[i]! > 0) out[DECODE_EVENT_LIST[i]![0]] = this.counts[i]!;
    return out;
  }
}

// Unknown ethertypes or IP protocols, and every event outside decoder.* (stream, tables, plug-ins),
// are facts about the traffic or the gateway, not malformed input.
const INFORMATIONAL = new Set([
  ev('decoder.ethertype.unknown'), ev('decoder.ipproto.unknown'), ev('decoder.link.unsupported'),
  // A TLS connection met after its hellos (capture started mid-connection) is normal traffic.
  ev('decoder.tls.unexpected_message'),
  ...DECODE_EVENT_LIST.map(([n], i) => (n.startsWith('decoder.') ? -1 : i)).filter((i) => i >= 0),
]);
