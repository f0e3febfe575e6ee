// TLS 1.3 records for the demo capture (RFC 8446): a ClientHello naming the server (SNI, RFC 6066
// §3) as real stacks send it, the server's first flight, and application data. Everything after
// the hellos is random bytes of a plausible length: the gateway never sees inside it either.
import type { SeededRandom } from './seeded-random.js';

/** Record content types (RFC 8446 §5.1). */
const CONTENT = { CHANGE_CIPHER_SPEC: 20, HANDSHAKE: 22, APPLICATION_DATA: 23 } as const;
/** Handshake types (RFC 8446 §4). */
const HANDSHAKE = { CLIENT_HELLO: 1, SERVER_HELLO: 2 } as const;
/** Extension types (IANA TLS ExtensionType registry). */
const EXT = { SERVER_NAME: 0, SUPPORTED_GROUPS: 10, SIGNATURE_ALGORITHMS: 13, ALPN: 16, SUPPORTED_VERSIONS: 43, KEY_SHARE: 51 } as const;
/** TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, ECDHE-ECDSA/RSA-AES128-GCM. */
const CIPHER_SUITES = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f];
const X25519 = 0x001d;
const SECP256R1 = 0x0017;
/** ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, rsa_pkcs1_sha256. */
const SIGNATURE_ALGORITHMS = [0x0403, 0x0804, 0x0401];
const TLS13 = 0x0304;
const TLS12 = 0x0303;

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

/** `body` prefixed by its length in `size` bytes (1, 2 or 3). */
function vec(size: 1 | 2 | 3, body: Buffer): Buffer {
  const h = Buffer.alloc(size);
  h.writeUIntBE(body.length, 0, size);
  return Buffer.concat([h, body]);
}

function ext(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), vec(2, body)]);
}

function list16(values: number[]): Buffer {
  return Buffer.concat(values.map(u16));
}

/** One record: content type, legacy version, length, fragment. */
export function tlsRecord(type: number, fragment: Buffer, version = TLS12): Buffer {
  return Buffer.concat([Buffer.from([type]), u16(version), vec(2, fragment)]);
}

/** A ClientHello for `sni`, offering TLS 1.3 and 1.2 and, when given, ALPN protocols. */
export function tlsClientHello(rnd: SeededRandom, sni: string, alpn: string[] = []): Buffer {
  const host = Buffer.from(sni, 'ascii');
  const exts = [
    ext(EXT.SERVER_NAME, vec(2, Buffer.concat([Buffer.from([0]), vec(2, host)]))), // host_name
    ext(EXT.SUPPORTED_GROUPS, vec(2, list16([X25519, SECP256R1]))),
    ext(EXT.SIGNATURE_ALGORITHMS, vec(2, list16(SIGNATURE_ALGORITHMS))),
    ...(alpn.length > 0 ? [ext(EXT.ALPN, vec(2, Buffer.concat(alpn.map((p) => vec(1, Buffer.from(p, 'ascii'))))))] : []),
    ext(EXT.SUPPORTED_VERSIONS, vec(1, list16([TLS13, TLS12]))),
    ext(EXT.KEY_SHARE, vec(2, Buffer.concat([u16(X25519), vec(2, rnd.bytes(32))]))),
  ];
  const hello = Buffer.concat([
    u16(TLS12), rnd.bytes(32), vec(1, rnd.bytes(32)), vec(2, list16(CIPHER_SUITES)), vec(1, Buffer.from([0])),
    vec(2, Buffer.concat(exts)),
  ]);
  // RFC 8446 §5.1: the first record says TLS 1.0 for middleboxes' sake.
  return tlsRecord(CONTENT.HANDSHAKE, Buffer.concat([Buffer.from([HANDSHAKE.CLIENT_HELLO]), vec(3, hello)]), 0x0301);
}

/** ServerHello, ChangeCipherSpec, then the encrypted rest of the handshake (`encryptedBytes` long). */
export function tlsServerFlight(rnd: SeededRandom, encryptedBytes: number): Buffer {
  const exts = [ext(EXT.SUPPORTED_VERSIONS, u16(TLS13)), ext(EXT.KEY_SHARE, Buffer.concat([u16(X25519), vec(2, rnd.bytes(32))]))];
  const hello = Buffer.concat([u16(TLS12), rnd.bytes(32), vec(1, rnd.bytes(32)), u16(CIPHER_SUITES[0]!), Buffer.from([0]), vec(2, Buffer.concat(exts))]);
  return Buffer.concat([
    tlsRecord(CONTENT.HANDSHAKE, Buffer.concat([Buffer.from([HANDSHAKE.SERVER_HELLO]), vec(3, hello)])),
    tlsRecord(CONTENT.CHANGE_CIPHER_SPEC, Buffer.from([1])),
    tlsAppData(rnd, encryptedBytes),
  ]);
}

/** The client's ChangeCipherSpec and Finished. */
export function tlsClientFinished(rnd: SeededRandom): Buffer {
  return Buffer.concat([tlsRecord(CONTENT.CHANGE_CIPHER_SPEC, Buffer.from([1])), tlsAppData(rnd, 53)]);
}

/** `n` bytes of application data as records of at most 16 KiB (RFC 8446 §5.2). */
export function tlsAppData(rnd: SeededRandom, n: number): Buffer {
  const records: Buffer[] = [];
  for (let left = n; left > 0; left -= 16384) records.push(tlsRecord(CONTENT.APPLICATION_DATA, rnd.bytes(Math.min(left, 16384))));
  return Buffer.concat(records);
}
