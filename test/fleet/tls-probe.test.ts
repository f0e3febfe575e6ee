// The fleet link's TLS probe (gateway/fleet/tls-probe.ts) on what is not a refusal: a server that
// asks for no TLS, one that is not there, one that sends no INFO; its parsing of server URLs and of
// OpenSSL's alert text. Refusals by a real nats-server are in fleet-tls.test.ts.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../gateway/common/server-process.js';
import { refusalText, serverAddress, tlsRefusal } from '../../gateway/fleet/tls-probe.js';

const NO_FILES = { ca: '', cert: '', key: '' };

describe('TLS probe', () => {
  const servers: Server[] = [];
  afterAll(() => { for (const s of servers) s.close(); });
  const listen = async (onSocket: (sock: Socket) => void): Promise<number> => {
    const s = createServer(onSocket);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    return (s.address() as { port: number }).port;
  };

  it('reads host and port from each URL form NATS takes', () => {
    expect(serverAddress('tls://nats.example.net:4443')).toEqual({ host: 'nats.example.net', port: 4443 });
    expect(serverAddress('nats://10.0.0.1')).toEqual({ host: '10.0.0.1', port: 4222 });
    expect(serverAddress('hub.lan:4222')).toEqual({ host: 'hub.lan', port: 4222 });
    expect(serverAddress('tls://[2001:db8::1]:4222')).toEqual({ host: '2001:db8::1', port: 4222 });
    expect(serverAddress('nats://user:secret@h:4222')).toEqual({ host: 'h', port: 4222 });
  });

  it('puts OpenSSL\'s alert text in words, naming the certificate only for a certificate alert', () => {
    const certRequired = new Error('C0:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../ssl/record/rec_layer_s3.c:1605:SSL alert number 116');
    expect(refusalText(certRequired, NO_FILES)).toBe('TLS: the server sent alert 116 (certificate required): it refused our client certificate, and none is configured (fleet.tls.cert, fleet.tls.key)');
    const unknownCa = new Error('x:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:y.c:1:SSL alert number 48');
    expect(refusalText(unknownCa, { ca: '/ca.pem', cert: '/site.crt', key: '/site.key' })).toBe('TLS: the server sent alert 48 (unknown ca): it refused our client certificate (/site.crt)');
    const version = new Error('x:SSL routines:ssl3_read_bytes:tlsv1 alert protocol version:y.c:1:SSL alert number 70');
    expect(refusalText(version, NO_FILES)).toBe('TLS: the server sent alert 70 (protocol version)');
    expect(refusalText(new Error('unable to get local issuer certificate'), NO_FILES)).toBe('TLS: unable to get local issuer certificate');
  });

  it('finds no refusal at a server without TLS, one that is not there, one that never sends INFO, one that is not NATS, or a URL it cannot read', async () => {
    const plain = await listen((sock) => { sock.write('INFO {"server_id":"x","tls_required":false}\r\n'); });
    expect(await tlsRefusal(`nats://127.0.0.1:${plain}`, NO_FILES)).toBeNull();
    const [closed] = (await freePorts(1)) as [number];
    expect(await tlsRefusal(`127.0.0.1:${closed}`, NO_FILES)).toBeNull();
    const silent = await listen(() => {});
    const t0 = Date.now();
    expect(await tlsRefusal(`tls://127.0.0.1:${silent}`, NO_FILES, 300)).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await tlsRefusal('tls://not a host:4222', NO_FILES)).toBeNull();
    const garbage = await listen((sock) => { sock.write('HTTP/1.1 400 Bad Request\r\n'); });
    expect(await tlsRefusal(`tls://127.0.0.1:${garbage}`, NO_FILES)).toBeNull();
  });
});
