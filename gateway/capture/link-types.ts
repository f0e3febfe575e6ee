// LINKTYPE_* values of the pcap/pcapng formats that edgeward decodes
// (https://www.tcpdump.org/linktypes.html). Anything else is counted as decoder.link.unsupported.

/** BSD loopback: 4-byte address family in host byte order of the capturing machine. */
export const LINKTYPE_NULL = 0;
/** Ethernet II / 802.3. */
export const LINKTYPE_ETHERNET = 1;
/** Raw IP, version from the first nibble (also DLT_RAW 12 and 14 on some systems). */
export const LINKTYPE_RAW = 101;
/** Linux cooked capture v1 (16-byte header). */
export const LINKTYPE_LINUX_SLL = 113;
/** OpenBSD loopback: address family in network byte order. */
export const LINKTYPE_LOOP = 108;
/** Raw IPv4. */
export const LINKTYPE_IPV4 = 228;
/** Raw IPv6. */
export const LINKTYPE_IPV6 = 229;
/** Linux cooked capture v2 (20-byte header). */
export const LINKTYPE_LINUX_SLL2 = 276;
/** DLT_RAW as written by some BSD libpcap versions. */
export const DLT_RAW_BSD_12 = 12;
export const DLT_RAW_BSD_14 = 14;
