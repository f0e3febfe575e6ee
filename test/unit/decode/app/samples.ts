// Valid sample messages for the application-layer parsers, built from labelled hex (text protocols
// from their text). The unit tests check them field by field; the truncation suite cuts and
// mutates every one of them.

import { ascii, hex } from '../../../helpers/hex.js';

const MUD_URL = 'https://example.com/.well-known/mud/v1/thing'; // 44 bytes (0x2c)
const zeros = (n: number): string => '00'.repeat(n);

// ---------------------------------------------------------------- DNS (RFC 1035 §4.1)

/** Standard query: example.com A IN, recursion desired. */
const dnsQuery = hex`
  1234 0100 0001 0000 0000 0000                          # id, flags RD, 1 question
  07 ${ascii('example')} 03 ${ascii('com')} 00           # example.com
  0001 0001                                              # A IN`;

/** Response: example.com A 192.0.2.1, TTL 300, the answer name a pointer to the question. */
const dnsA = hex`
  1234 8180 0001 0001 0000 0000                          # id, flags QR RD RA, 1 question, 1 answer
  07 ${ascii('example')} 03 ${ascii('com')} 00 0001 0001 # @12 example.com A IN
  c00c 0001 0001 0000012c 0004 c0000201                  # ->12 A IN ttl 300, 192.0.2.1`;

/** Response: www.example.com AAAA 2001:db8::1, TTL 3600; EDNS OPT in the additional section. */
const dnsAaaa = hex`
  abcd 8180 0001 0001 0000 0001                          # 1 question, 1 answer, 1 additional
  03 ${ascii('www')} 07 ${ascii('example')} 03 ${ascii('com')} 00 001c 0001  # www.example.com AAAA IN
  c00c 001c 0001 00000e10 0010                           # ->12 AAAA IN ttl 3600, 16 bytes
  20010db8 00000000 00000000 00000001                    # 2001:db8::1
  00 0029 04d0 00000000 0000                             # root OPT, UDP size 1232, no options`;

/** A CNAME chain with compression: www.example.com -> cdn.example.net -> edge.cdn.example.net -> A. */
const dnsCnameChain = hex`
  0042 8180 0001 0003 0000 0000                          # 1 question, 3 answers
  03 ${ascii('www')} 07 ${ascii('example')} 03 ${ascii('com')} 00 0001 0001  # @12 www.example.com A IN
  c00c 0005 0001 00000e10 0011                           # @33 ->12 CNAME ttl 3600, 17 bytes
  03 ${ascii('cdn')} 07 ${ascii('example')} 03 ${ascii('net')} 00            # @45 cdn.example.net
  c02d 0005 0001 0000003c 0007                           # @62 ->45 CNAME ttl 60, 7 bytes
  04 ${ascii('edge')} c02d                               # @74 edge + ->45
  c04a 0001 0001 00000014 0004 c6336407                  # @81 ->74 A ttl 20, 198.51.100.7`;

/** TXT answer with two character-strings. */
const dnsTxt = hex`
  0007 8180 0001 0001 0000 0000
  07 ${ascii('example')} 03 ${ascii('com')} 00 0010 0001 # example.com TXT IN
  c00c 0010 0001 0000012c 0012                           # ->12 TXT ttl 300, 18 bytes
  0b ${ascii('v=spf1 -all')} 05 ${ascii('hello')}        # "v=spf1 -all" "hello"`;

/** PTR answer: 1.2.0.192.in-addr.arpa -> Host.Example.com (mixed case on the wire). */
const dnsPtr = hex`
  0008 8580 0001 0001 0000 0000                          # QR AA RD RA
  01 31 01 32 01 30 03 ${ascii('192')} 07 ${ascii('in-addr')} 04 ${ascii('arpa')} 00 000c 0001
  c00c 000c 0001 00000e10 0012                           # ->12 PTR ttl 3600, 18 bytes
  04 ${ascii('Host')} 07 ${ascii('Example')} 03 ${ascii('com')} 00`;

/** mDNS announcement of a cast device (RFC 6762/6763): PTR, then SRV, A and TXT with cache-flush. */
const mdnsResponse = hex`
  0000 8400 0000 0001 0000 0003                          # id 0, QR AA, 1 answer, 3 additionals
  0b ${ascii('_googlecast')} 04 ${ascii('_tcp')} 05 ${ascii('local')} 00     # @12 _googlecast._tcp.local (local @29)
  000c 0001 00001194 000e                                # PTR IN ttl 4500, 14 bytes
  0b ${ascii('Living Room')} c00c                        # @46 "Living Room" + ->12
  c02e 0021 8001 00000078 0010                           # @60 ->46 SRV IN|flush ttl 120, 16 bytes
  0000 0000 1f49                                         # priority 0, weight 0, port 8009
  07 ${ascii('cc-1a2b')} c01d                            # @78 cc-1a2b + ->29 (local)
  c04e 0001 8001 00000078 0004 c0a80117                  # @88 ->78 A IN|flush 192.168.1.23
  c02e 0010 8001 00001194 001d                           # @104 ->46 TXT IN|flush, 29 bytes
  0d ${ascii('md=Chromecast')} 0e ${ascii('fn=Living Room')}`;

/** The query above over TCP: 2-byte length prefix (RFC 1035 §4.2.2). */
const dnsTcpQuery = hex`
  001d                                                   # length 29
  ${dnsQuery}`;

// ---------------------------------------------------------------- DHCPv4 (RFC 2131 §2, RFC 2132)

/** DHCPREQUEST from a thermostat, with hostname, parameter list, vendor class, client id, MUD URL. */
const dhcpRequest = hex`
  01 01 06 00                                            # op BOOTREQUEST, htype Ethernet, hlen 6, hops 0
  3903f326                                               # xid
  0003 8000                                              # secs 3, flags broadcast
  00000000 00000000 00000000 00000000                    # ciaddr yiaddr siaddr giaddr
  00163e5a1b2c ${zeros(10)}                              # chaddr 00:16:3e:5a:1b:2c + padding
  ${zeros(64)}                                           # sname
  ${zeros(128)}                                          # file
  63825363                                               # magic cookie
  35 01 03                                               # 53 message type: REQUEST
  3d 07 01 00163e5a1b2c                                  # 61 client id: type 1 + MAC
  32 04 c0a80117                                         # 50 requested IP 192.168.1.23
  0c 0a ${ascii('thermostat')}                           # 12 hostname
  3c 0c ${ascii('udhcp 1.36.1')}                         # 60 vendor class
  37 06 01 03 06 0c 0f 1c                                # 55 parameter request list
  a1 2c ${ascii(MUD_URL)}                                # 161 MUD URL (RFC 8520 §10)
  ff                                                     # end
  00 00 00                                               # padding`;

// ---------------------------------------------------------------- DHCPv6 (RFC 8415)

/** SOLICIT with client DUID, ORO, FQDN, vendor class and MUD URL. 148 bytes. */
const dhcpv6Solicit = hex`
  01 5a3c1f                                              # SOLICIT, transaction id
  0001 000e 0001 0001 2a1b3c4d 00163e5a1b2c              # 1 client id: DUID-LLT, Ethernet, time, MAC
  0008 0002 0000                                         # 8 elapsed time 0
  0006 0004 0017 0018                                    # 6 ORO: DNS servers, domain list
  0027 0017 00                                           # 39 client FQDN, flags 0
     0a ${ascii('Thermostat')} 04 ${ascii('home')} 04 ${ascii('arpa')} 00
  0010 0011 00007ed9 000b ${ascii('acme-thermo')}        # 16 vendor class: PEN 32473, "acme-thermo"
  0070 002c ${ascii(MUD_URL)}                            # 112 MUD URL (RFC 8520 §10)
  0003 000c 00000001 00000000 00000000                   # 3 IA_NA iaid 1`;

/** The SOLICIT as a relay agent forwards it (RFC 8415 §9). */
const dhcpv6RelayForw = hex`
  0c 00                                                  # RELAY-FORW, hop count 0
  20010db8000000000000000000000001                       # link-address 2001:db8::1
  fe800000000000000216 3efffe5a1b2c                      # peer-address fe80::216:3eff:fe5a:1b2c
  0012 0004 ${ascii('eth0')}                             # 18 interface-id
  0009 0094                                              # 9 relay message, 148 bytes
  ${dhcpv6Solicit}`;

// ---------------------------------------------------------------- LLDP (IEEE 802.1AB, RFC 8520 §11)

/** LLDPDU of a device announcing its MUD URL. TLV header: 7-bit type, 9-bit length. */
const lldpMud = hex`
  02 07 04 00163e5a1b2c                                  # chassis ID (1), len 7: MAC subtype 4
  04 05 05 ${ascii('eth0')}                              # port ID (2), len 5: interface name subtype 5
  06 02 0078                                             # TTL (3), 120 s
  0a 0a ${ascii('thermostat')}                           # system name (5)
  0c 14 ${ascii('Acme Thermostat v2.1')}                 # system description (6)
  fe 30 00005e 01 ${ascii(MUD_URL)}                      # org specific (127), len 48: IANA OUI, subtype 1
  00 00                                                  # end`;

// ---------------------------------------------------------------- TLS (RFC 8446 §4.1.2)

/** A browser-shaped ClientHello: SNI example.com, ALPN h2 + http/1.1, TLS 1.3 and 1.2. */
const tlsClientHello = hex`
  16 0301 00c2                                           # handshake record, TLS 1.0 record version, 194 bytes
  01 0000be                                              # ClientHello, 190 bytes
  0303                                                   # legacy_version TLS 1.2
  000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f  # random
  20 e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff # session id, 32 bytes
  0008 1301 1302 1303 c02f                               # 4 cipher suites
  01 00                                                  # compression: null
  006d                                                   # extensions, 109 bytes
  0000 0010 000e 00 000b ${ascii('example.com')}         # server_name: host_name example.com
  0017 0000                                              # extended_master_secret
  000a 0004 0002 001d                                    # supported_groups: x25519
  0010 000e 000c 02 ${ascii('h2')} 08 ${ascii('http/1.1')}  # ALPN
  000d 0004 0002 0403                                    # signature_algorithms
  002b 0005 04 0304 0303                                 # supported_versions: 1.3, 1.2
  0033 0026 0024 001d 0020                               # key_share: x25519, 32 bytes
  2021222324252627282930313233343536373839404142434445464748495051`;

/** The same ClientHello split over two handshake records (RFC 8446 §5.1): 100 + 94 bytes. */
const tlsClientHelloSplit = Buffer.concat([
  hex`16 0301 0064`,
  tlsClientHello.subarray(5, 105),
  hex`16 0301 005e`,
  tlsClientHello.subarray(105),
]);

// ---------------------------------------------------------------- HTTP, SSDP (text)

const text = (s: string): Buffer => Buffer.from(s, 'latin1');

const httpGet = text(
  'GET /api/v1/status?id=7 HTTP/1.1\r\n' +
    'Host: cloud.example.com\r\n' +
    'User-Agent: AcmeThermo/2.1 (Linux; ARMv7)\r\n' +
    'Accept: */*\r\n' +
    'Connection: keep-alive\r\n' +
    '\r\n',
);

/** Lower-case header names, a body after the head. */
const httpPost = text(
  'POST /upload HTTP/1.0\r\n' + 'host: 10.0.0.5:8080\r\n' + 'user-agent:curl/8.5.0 \r\n' + 'content-length: 5\r\n' + '\r\n' + 'hello',
);

const ssdpMSearch = text(
  'M-SEARCH * HTTP/1.1\r\n' +
    'HOST: 239.255.255.250:1900\r\n' +
    'MAN: "ssdp:discover"\r\n' +
    'MX: 2\r\n' +
    'ST: urn:dial-multiscreen-org:service:dial:1\r\n' +
    'USER-AGENT: Chromium/120.0 Linux\r\n' +
    '\r\n',
);

const ssdpNotify = text(
  'NOTIFY * HTTP/1.1\r\n' +
    'HOST: 239.255.255.250:1900\r\n' +
    'CACHE-CONTROL: max-age=1800\r\n' +
    'LOCATION: http://192.168.1.23:49152/description.xml\r\n' +
    'NT: upnp:rootdevice\r\n' +
    'NTS: ssdp:alive\r\n' +
    'SERVER: Linux/4.9 UPnP/1.0 AcmeCam/1.2\r\n' +
    'USN: uuid:2f402f80-da50-11e1-9b23-00163e5a1b2c::upnp:rootdevice\r\n' +
    '\r\n',
);

const ssdpResponse = text(
  'HTTP/1.1 200 OK\r\n' +
    'Cache-Control: max-age=120\r\n' +
    'EXT:\r\n' +
    'Location: http://192.168.1.1:5000/rootDesc.xml\r\n' +
    'Server: OpenWRT/23.05 UPnP/1.1 MiniUPnPd/2.3.3\r\n' +
    'St: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n' +
    'Usn: uuid:a1b2c3d4-0000-0000-0000-000000000001::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n' +
    '\r\n',
);

/** Every valid sample, by parser. */
export const samples = {
  dns: { query: dnsQuery, a: dnsA, aaaa: dnsAaaa, cnameChain: dnsCnameChain, txt: dnsTxt, ptr: dnsPtr, mdns: mdnsResponse },
  dnsTcp: { query: dnsTcpQuery },
  dhcp: { request: dhcpRequest },
  dhcpv6: { solicit: dhcpv6Solicit, relayForw: dhcpv6RelayForw },
  lldp: { mud: lldpMud },
  tls: { clientHello: tlsClientHello, split: tlsClientHelloSplit },
  http: { get: httpGet, post: httpPost },
  ssdp: { mSearch: ssdpMSearch, notify: ssdpNotify, response: ssdpResponse },
} as const;

export { MUD_URL };
