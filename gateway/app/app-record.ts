// The records app-protocol modules emit: one closed union, discriminated by `kind`. Strings and
// buffers in a record are copies (they outlive the packet); bodies are never kept, only their
// first bytes (`head`, at most BODY_HEAD_BYTES) for magic numbers.
import type { DhcpMessage } from './dhcp/dhcp-message.js';
import type { Dhcpv6Message } from './dhcpv6/dhcpv6-message.js';
import type { DnsMessage } from './dns/dns-message.js';
import type { LldpInfo } from './lldp/lldp-info.js';
import type { SsdpMessage } from './ssdp/ssdp-message.js';

/** Bytes of each HTTP body kept for magic-number checks. */
export const BODY_HEAD_BYTES = 64;

/**
 * What a body's first bytes say it is (gateway/app/http/body-magic.ts): an ELF, a PE image ('pe',
 * or 'pe-dll' when its COFF header says IMAGE_FILE_DLL), a Mach-O, a Java class file, or a script:
 * a shell dropper, a PowerShell cradle, a Python program.
 */
export type BodyMagic = 'elf' | 'pe' | 'pe-dll' | 'macho' | 'java' | 'shell' | 'powershell' | 'python' | null;

/** One HTTP request of a connection (every one of a keep-alive or pipelined connection). */
export interface HttpRequestRecord {
  kind: 'http.request';
  ts: number;
  /** 0 for the first request of the connection, then 1, 2, … */
  index: number;
  method: string;
  uri: string;
  host: string | null;
  userAgent: string | null;
  contentType: string | null;
  /** Content-Length as sent, or null (chunked or none). */
  contentLength: number | null;
  /** SOAPAction header (UPnP), quotes removed, or null. */
  soapAction: string | null;
  /**
   * With HTTP Basic credentials (RFC 7617) and the default-credential check on: the name of the
   * bundled list the pair is on, or null. Absent otherwise. The response's status says whether the
   * login worked. The Authorization value itself is in no record (`headerText` has it withheld).
   */
  credentialList?: string | null;
  /**
   * The header field lines as sent (latin1, CRLFs kept), at most HEADER_TEXT_BYTES: exploits ride in
   * any field (Log4Shell scanners fill Referer, X-Api-Version, Cookie…). The credentials of an
   * Authorization or Proxy-Authorization field are withheld (its scheme stays). Absent from records not made by the HTTP module.
   */
  headerText?: string;
  /** The body's first REQUEST_BODY_TEXT_BYTES as latin1 text: injections sit past the 64-byte head (GPON dest_host, HG532 NewStatusURL). */
  bodyText?: string;
  /** First bytes of the body (copied), or null when there is none. */
  head: Buffer | null;
  magic: BodyMagic;
  /** CPU of an ELF body (e_machine), or null: an upload can be a binary too. */
  elfArch: string | null;
  /** Body bytes seen (may be less than contentLength when cut). */
  bodyLen: number;
  /** True when the connection ended or the stream gapped before the body was complete. */
  truncated: boolean;
}

/** One HTTP response, paired with its request by order (RFC 9112 §9.3: responses come in request order). */
export interface HttpResponseRecord {
  kind: 'http.response';
  ts: number;
  /** Packet time of the response's first byte, µs. */
  startTs: number;
  index: number;
  status: number;
  contentType: string | null;
  contentLength: number | null;
  server: string | null;
  /** The request this answers, or null (response without a seen request). */
  request: HttpRequestRecord | null;
  head: Buffer | null;
  magic: BodyMagic;
  /** CPU of an ELF body (e_machine), or null. */
  elfArch: string | null;
  bodyLen: number;
  /** True when the connection ended or the stream gapped before the body was complete. */
  truncated: boolean;
}

/** Bytes of a request's header section kept in `headerText`. */
export const HEADER_TEXT_BYTES = 2048;
/** Bytes of a request body kept in `bodyText`. */
export const REQUEST_BODY_TEXT_BYTES = 1024;

/**
 * The first bytes of an HTTP response body, as soon as they are in: BODY_HEAD_BYTES (up to the COFF
 * header of a PE image), or the whole body when it is shorter or cut. A download is judged while it
 * runs, and a capture that ends mid-body still shows it. One per response with a body, before that
 * response's http.response record. `msg` is that record, still being read: its head, magic and
 * elfArch are final; bodyLen (bytes so far), truncated and ts are not yet.
 */
export interface HttpBodyHeadRecord {
  kind: 'http.body-head';
  ts: number;
  /** Always 1: responder to initiator. */
  dir: number;
  msg: HttpResponseRecord;
}

/** Bytes of an unrecognised TCP stream kept in a `tcp.stream-head` record. */
export const STREAM_HEAD_BYTES = 64;

/**
 * The first bytes of one direction of a TCP connection no app module claimed (gateway/app/app-dispatch.ts),
 * at most once per direction, when its probing fails or the connection ends: a file pushed over a
 * bare socket (a Metasploit stage on 4444) is checked by magic like an HTTP body.
 */
export interface TcpStreamHeadRecord {
  kind: 'tcp.stream-head';
  ts: number;
  /** 0 initiator to responder, 1 the other way. */
  dir: number;
  /** The direction's first bytes (copied), at most STREAM_HEAD_BYTES. */
  head: Buffer;
}

/** A TLS ClientHello (RFC 8446 §4.1.2), with what fingerprints need. */
export interface TlsClientHelloRecord {
  kind: 'tls.client_hello';
  ts: number;
  sni: string | null;
  alpn: string[];
  /** legacy_version and supported_versions, as numbers (GREASE removed). */
  version: number;
  supportedVersions: number[];
  ciphers: number[];
  extensions: number[];
  signatureAlgorithms: number[];
  groups: number[];
  /** JA4 client fingerprint (FoxIO JA4 spec), e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1". */
  ja4: string;
}

/** A TLS ServerHello (RFC 8446 §4.1.3). */
export interface TlsServerHelloRecord {
  kind: 'tls.server_hello';
  ts: number;
  version: number;
  selectedVersion: number | null;
  cipher: number;
  extensions: number[];
  alpn: string | null;
}

/** A DNS message over UDP or TCP, or mDNS / LLMNR. */
export interface DnsRecord {
  kind: 'dns';
  ts: number;
  transport: 'udp' | 'tcp';
  /** 'dns' (port 53 or by content), 'mdns' (5353), 'llmnr' (5355). */
  flavor: 'dns' | 'mdns' | 'llmnr';
  msg: DnsMessage;
}

export interface DhcpRecord { kind: 'dhcp'; ts: number; msg: DhcpMessage }
export interface Dhcpv6Record { kind: 'dhcpv6'; ts: number; msg: Dhcpv6Message }
export interface SsdpRecord { kind: 'ssdp'; ts: number; msg: SsdpMessage }
export interface LldpRecord { kind: 'lldp'; ts: number; info: LldpInfo }

/** An SSH identification string (RFC 4253 §4.2), from either side. */
export interface SshBannerRecord {
  kind: 'ssh.banner';
  ts: number;
  /** 0 client, 1 server (by direction of the connection). */
  dir: number;
  protoVersion: string;
  software: string;
  comments: string | null;
}

/**
 * Telnet events (RFC 854) read from the server's side: a login or password prompt, a failure
 * message ("Login incorrect", "Access denied"…), a shell prompt after a login (success).
 */
export interface TelnetRecord {
  kind: 'telnet';
  ts: number;
  event: 'login-prompt' | 'password-prompt' | 'login-failure' | 'login-success';
  /**
   * On a login-success with the default-credential check on (privacy.defaultCredentials): the name
   * of the bundled list the user name and password typed are on (gateway/exposure/default-credentials.ts),
   * or null. Absent when the check is off. The pair itself is never in a record.
   */
  credentialList?: string | null;
}

/**
 * An FTP login (RFC 959 §4.1.1 USER, PASS; §4.2 replies): 230 after USER or PASS is a success, 530
 * a failure.
 */
export interface FtpRecord {
  kind: 'ftp';
  ts: number;
  event: 'login-success' | 'login-failure';
  /** As TelnetRecord's: the list the pair that logged in is on, or null; absent when the check is off. */
  credentialList?: string | null;
}

/** A Stratum JSON-RPC message from either side (the miner's calls and the pool's pushes). */
export interface StratumRecord {
  kind: 'stratum';
  ts: number;
  method: string;
  /** The miner's agent string when it says (XMRig's login params.agent, mining.subscribe's first param). */
  agent: string | null;
}

/** A port mapping asked of the router: UPnP IGD SOAP AddPortMapping, NAT-PMP or PCP MAP/PEER. */
export interface PortMapRecord {
  kind: 'portmap';
  ts: number;
  protocol: 'upnp' | 'natpmp' | 'pcp';
  internalPort: number | null;
  externalPort: number | null;
  /** Seconds; UPnP 0 means "until removed"; NAT-PMP/PCP 0 is a deletion. */
  lifetime: number | null;
  proto: string | null;
  /** More detail: the SOAP action, the PCP opcode, the internal client. */
  extra: Record<string, unknown>;
}

/** What a port-mapping parser returns (NAT-PMP, PCP, UPnP SOAP): the record without kind and time. */
export type PortMapping = Omit<PortMapRecord, 'kind' | 'ts'>;

/** Every record kind. */
export type AppRecord =
  | HttpRequestRecord | HttpResponseRecord | HttpBodyHeadRecord | TcpStreamHeadRecord | TlsClientHelloRecord | TlsServerHelloRecord | DnsRecord | DhcpRecord | Dhcpv6Record
  | SsdpRecord | LldpRecord | SshBannerRecord | TelnetRecord | FtpRecord | StratumRecord | PortMapRecord;

/** The `kind` strings. */
export type AppRecordKind = AppRecord['kind'];
