// The device of the gateway end-to-end test, run in the device namespace: one action a run, one
// JSON line on stdout, exit 0 (the answer says how it went).
//   node netns-device.mjs dhcp MAC MUD_URL            → {sent: true} | {error}
//     a broadcast DHCPREQUEST from port 68 carrying option 161 (RFC 8520 §10); no server needed.
//   node netns-device.mjs dns NAME SERVER             → {addr, ttl} | {error}
//   node netns-device.mjs connect HOST PORT TIMEOUT_MS → {result: 'ok'|'timeout'|'error', ms, line?, code?}
import dgram from 'node:dgram';
import net from 'node:net';

const [cmd, a, b, c] = process.argv.slice(2);
const out = (o) => {
  process.stdout.write(JSON.stringify(o) + '\n');
  process.exit(0);
};
setTimeout(() => out({ error: 'device script deadline' }), 4000).unref();

if (cmd === 'dhcp') {
  // RFC 2131 §2: the 236-byte BOOTP header, the magic cookie, then options (RFC 2132).
  const h = Buffer.alloc(240);
  h[0] = 1; // BOOTREQUEST
  h[1] = 1; // Ethernet
  h[2] = 6; // hardware address length
  h.writeUInt32BE(0x1234abcd, 4); // xid
  h.writeUInt16BE(0x8000, 10); // broadcast flag
  Buffer.from(a.replace(/:/g, ''), 'hex').copy(h, 28); // chaddr
  h.writeUInt32BE(0x63825363, 236);
  const url = Buffer.from(b);
  const opts = Buffer.concat([
    Buffer.from([53, 1, 3]), // DHCPREQUEST
    Buffer.from([50, 4, 10, 77, 1, 10]), // requested address: the static one
    Buffer.from([161, url.length]), url, // MUD URL
    Buffer.from([255]),
  ]);
  const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  s.bind(68, '0.0.0.0', () => {
    s.setBroadcast(true);
    s.send(Buffer.concat([h, opts]), 67, '255.255.255.255', (e) => {
      s.close();
      out(e ? { error: e.code } : { sent: true });
    });
  });
} else if (cmd === 'dns') {
  const s = dgram.createSocket('udp4');
  const labels = a.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]);
  const id = Math.floor(Math.random() * 0xffff);
  const q = Buffer.from([id >> 8, id & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, 1, 0, 1]);
  setTimeout(() => out({ error: 'timeout' }), 2000).unref();
  s.on('message', (m) => {
    if (m.length < 12 || m.readUInt16BE(0) !== id) return;
    if ((m[3] & 0x0f) !== 0 || m.readUInt16BE(6) === 0) out({ error: `rcode ${m[3] & 0x0f}` });
    // The one A answer is the message's last 16 bytes: pointer, type, class, TTL, length, address.
    out({ addr: [...m.subarray(m.length - 4)].join('.'), ttl: m.readUInt32BE(m.length - 10) });
  });
  s.send(q, 53, b);
} else if (cmd === 'connect') {
  const t0 = process.hrtime.bigint();
  const ms = () => Number((process.hrtime.bigint() - t0) / 1000000n);
  const s = net.connect({ host: a, port: Number(b), timeout: Number(c) });
  s.on('data', (d) => {
    s.destroy();
    out({ result: 'ok', ms: ms(), line: d.toString().trim() });
  });
  s.on('timeout', () => {
    s.destroy();
    out({ result: 'timeout', ms: ms() });
  });
  s.on('error', (e) => out({ result: 'error', ms: ms(), code: e.code }));
} else {
  out({ error: `unknown command ${cmd}` });
}
