// The upstream host of the gateway end-to-end test, run in the upstream namespace:
//   node netns-upstream.mjs CONFIG.json
// CONFIG: { name, dnsFile, cert, key, mud, p7s }.
// - DNS on udp/53: an A answer for `name` with the address and TTL read from `dnsFile`
//   ({ addr, ttl }) at every query, so the test can move the name; NXDOMAIN for anything else.
// - TCP on 443, 7000 and 7001 (every address): answers `ok ADDR:PORT` and closes.
// - HTTPS on 10.77.2.2:8443: /mud/thermo.json and /mud/thermo.p7s (certificate and key PEM from CONFIG).
// Logs each DNS answer and HTTP request as one JSON line on stdout, and {"ready":true} once every
// socket listens.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const listening = [];

// RFC 1035 §4.1: header, the question copied back, one answer naming it by pointer (0xc00c).
const dns = dgram.createSocket('udp4');
dns.on('message', (q, r) => {
  try {
    if (q.length < 17 || (q[2] & 0x80) !== 0) return; // too short, or a response
    let o = 12;
    const labels = [];
    while (o < q.length && q[o] !== 0) {
      labels.push(q.subarray(o + 1, o + 1 + q[o]).toString('latin1'));
      o += q[o] + 1;
    }
    const qEnd = o + 5;
    if (qEnd > q.length) return;
    const name = labels.join('.').toLowerCase();
    const qtype = q.readUInt16BE(o + 1);
    const { addr, ttl } = JSON.parse(readFileSync(cfg.dnsFile, 'utf8'));
    const hit = name === cfg.name && qtype === 1;
    const h = Buffer.from(q.subarray(0, 12));
    h.writeUInt16BE(0x8400 | (q.readUInt16BE(2) & 0x0100) | (hit ? 0 : 3), 2); // QR AA, RD copied, NOERROR or NXDOMAIN
    h.writeUInt16BE(1, 4);
    h.writeUInt16BE(hit ? 1 : 0, 6);
    h.writeUInt32BE(0, 8);
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(1, 2); // A
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    Buffer.from(addr.split('.').map(Number)).copy(rr, 12);
    dns.send(Buffer.concat([h, q.subarray(12, qEnd), ...(hit ? [rr] : [])]), r.port, r.address);
    say({ dns: name, answer: hit ? addr : null, ttl, from: r.address });
  } catch (e) {
    say({ dnsError: String(e) });
  }
});
listening.push(new Promise((ok) => dns.bind(53, '0.0.0.0', ok)));

for (const port of [443, 7000, 7001]) {
  const srv = net.createServer((s) => {
    s.on('error', () => {});
    s.end(`ok ${s.localAddress}:${port}\n`);
  });
  listening.push(new Promise((ok) => srv.listen(port, '0.0.0.0', ok)));
}

const web = https.createServer({ cert: cfg.cert, key: cfg.key }, (req, res) => {
  say({ http: req.url, from: req.socket.remoteAddress });
  if (req.url === '/mud/thermo.json') {
    res.setHeader('content-type', 'application/mud+json');
    res.end(readFileSync(cfg.mud));
  } else if (req.url === '/mud/thermo.p7s') {
    res.setHeader('content-type', 'application/pkcs7-signature');
    res.end(readFileSync(cfg.p7s));
  } else {
    res.statusCode = 404;
    res.end();
  }
});
listening.push(new Promise((ok) => web.listen(8443, '10.77.2.2', ok)));

Promise.all(listening).then(() => say({ ready: true }));
