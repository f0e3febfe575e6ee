// The record the DHCPv6 parser emits (RFC 8415), with option 112, the MUD URL (RFC 8520 §10).

/** One DHCPv6 message (client/server form; relay messages are unwrapped to the inner message). */
export interface Dhcpv6Message {
  /** 1 SOLICIT, 2 ADVERTISE, 3 REQUEST, 7 REPLY, 11 INFORMATION-REQUEST, 12/13 RELAY… */
  msgType: number;
  transactionId: number;
  /** Option 1 client DUID as lower-case hex. */
  clientDuid: string | null;
  /** Option 39 client FQDN, dotted. */
  fqdn: string | null;
  /** Option 16 vendor class: enterprise number and the first data string. */
  vendorClass: string | null;
  /** Option 6 option request list. */
  oro: number[] | null;
  /** Option 112 MUD URL (RFC 8520 §10). */
  mudUrl: string | null;
  optionCodes: number[];
}
