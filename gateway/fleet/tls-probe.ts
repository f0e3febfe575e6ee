// Why a NATS server refuses our TLS, when the client cannot say. A server that requires a client
// certificate (nats-server `verify: true`) refuses a missing or unknown one with a TLS alert sent
// after our side of the handshake is done, which the nats client (2.x) does not report: its connect
// just times out. This probe makes the same handshake by hand — the server's plain INFO line first,
// then TLS on that socket with the same files — and returns the alert in words.
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, isIP } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { redactUrl } from './fleet-config.js';
import { NATS_PORT } from './nats-server-config.js';

/** The PEM files a client speaks TLS with; '' for none (then the system's CAs, no client certificate). */
export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** Bytes of INFO line read at most (nats-server's is well under 1 KiB). */
const MAX_INFO_BYTES = 16 * 1024;
/** How long after our side of the handshake a refusal may still arrive, ms. */
const REFUSAL_WAIT_MS = 1000;

/** The config keys of a gateway's client certificate (the hub names its own). */
const FLEET_CERT_KEYS = 'fleet.tls.cert, fleet.tls.key';

/** TLS alerts (RFC 8446 §6.2) by which a server refuses the client's certificate. */
const CERTIFICATE_ALERTS = new Set([42, 43, 44, 45, 46, 48, 116]);

/**
 * An OpenSSL handshake error in words: the server's alert by number and name (OpenSSL's text
 * holds them among source paths), and what to look at when it is about our certificate.
 */
export function refusalText(e: Error, files: TlsFiles, certKeys = FLEET_CERT_KEYS): string {
  const n = /SSL alert number (\d+)/.exec(e.message);
  if (n === null) return `TLS: ${e.message}`;
  const alert = Number(n[1]);
  const name = /alert ([a-z ]+?)(?::|$)/.exec(e.message)?.[1] ?? 'unnamed';
  const ours = CERTIFICATE_ALERTS.has(alert)
    ? `: it refused our client certificate${files.cert === '' ? `, and none is configured (${certKeys})` : ` (${files.cert})`}`
    : '';
  return `TLS: the server sent alert ${alert} (${name})${ours}`;
}

/** Host and port of a NATS server URL (`tls://h:4222`, `nats://h`, `h:4222`). */
export function serverAddress(url: string): { host: string; port: number } {
  const u = new URL(/^[a-z]+:\/\//.test(url) ? url : `nats://${url}`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? NATS_PORT : Number(u.port) };
}

/**
 * The reason the server at `url` refuses a TLS handshake with `files`, as `TLS: <reason>`; null
 * when the handshake is accepted, the server asks for no TLS, or it cannot be reached (the
 * client's own error says that). Never throws; gives up after `timeoutMs`. `certKeys` names the
 * config keys of the client certificate in the text.
 */
export function tlsRefusal(url: string, files: TlsFiles, timeoutMs = 3000, certKeys = FLEET_CERT_KEYS): Promise<string | null> {
  return new Promise((resolve) => {
    let tls: TLSSocket | null = null;
    let done = false;
    let address: { host: string; port: number };
    try {
      address = serverAddress(url);
    } catch {
      resolve(null);
      return;
    }
    const { host, port } = address;
    const tcp = tcpConnect({ host, port });
    const finish = (r: string | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      tls?.destroy();
      tcp.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    let info = '';
    const onInfo = (b: Buffer): void => {
      info += b.toString('latin1');
      const end = info.indexOf('\r\n');
      if (end < 0) { if (info.length > MAX_INFO_BYTES) finish(null); return; }
      tcp.off('data', onInfo);
      tcp.pause();
      let required: boolean;
      try {
        required = (JSON.parse(info.slice(0, end).replace(/^INFO\s+/, '')) as { tls_required?: boolean }).tls_required === true;
      } catch {
        finish(null);
        return;
      }
      if (!required) { finish(null); return; }
      try {
        tls = tlsConnect({
          socket: tcp, ...(isIP(host) === 0 ? { servername: host } : {}),
          ...(files.ca !== '' ? { ca: readFileSync(files.ca) } : {}),
          ...(files.cert !== '' ? { cert: readFileSync(files.cert), key: readFileSync(files.key) } : {}),
        });
      } catch (e) {
        finish(`TLS: ${(e as Error).message}`);
        return;
      }
      tls.once('error', (e: Error) => finish(refusalText(e, files, certKeys)));
      // Our side is done; a refusal of our certificate comes as the server's next record.
      tls.once('secureConnect', () => { tls!.resume(); setTimeout(() => finish(null), REFUSAL_WAIT_MS); });
    };
    tcp.on('data', onInfo);
    tcp.once('error', () => finish(null));
    tcp.once('close', () => { if (tls === null) finish(null); });
  });
}

/**
 * For a connect that failed with the nats client's TIMEOUT: the first refusal a server of `servers`
 * gives (`<server>: TLS: …`), or null (another error, or no refusal found).
 */
export async function timeoutTlsReason(err: unknown, servers: readonly string[], files: TlsFiles, certKeys = FLEET_CERT_KEYS): Promise<string | null> {
  if ((err as { code?: string } | null)?.code !== 'TIMEOUT') return null;
  for (const url of servers) {
    const reason = await tlsRefusal(url, files, 3000, certKeys);
    if (reason !== null) return `${redactUrl(url)}: ${reason}`;
  }
  return null;
}
