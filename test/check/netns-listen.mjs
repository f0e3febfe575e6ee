// Listens on the sockets named by its arguments (`tcp:ADDR:PORT`, `udp:ADDR:PORT`), accepts and
// closes TCP connections, prints "ready" once all are bound, and runs until killed. Started by the
// check tests inside a network namespace (as a stand-in sshd, telnetd, SSDP or DNS server).
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const specs = process.argv.slice(2).map((s) => {
  const m = /^(tcp|udp):(.+):(\d+)$/.exec(s);
  if (!m) throw new Error(`bad socket spec ${s}`);
  return { proto: m[1], addr: m[2], port: Number(m[3]) };
});
await Promise.all(specs.map(({ proto, addr, port }) => new Promise((resolve, reject) => {
  if (proto === 'tcp') {
    // A peer that resets at once (the connect probe) must not end the listener.
    const srv = createServer((c) => { c.on('error', () => {}); c.end('hello\n'); });
    srv.once('error', reject);
    srv.listen({ host: addr, port }, resolve);
  } else {
    const sock = createSocket(addr.includes(':') ? 'udp6' : 'udp4');
    sock.once('error', reject);
    sock.bind({ address: addr, port }, resolve);
  }
})));
process.stdout.write('ready\n');
setInterval(() => {}, 1 << 30);
