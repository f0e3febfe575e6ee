// The demo capture: four minutes of a small home network seen on the router's LAN port, generated
// from a fixed seed (same bytes on every run). Devices join with DHCP (hostname, MUD URL in option
// 161), set their clocks, resolve their clouds and talk TLS to them, the speaker turns the bulb on
// and off over CoAP; the attacks of demo-attacks.ts run in between. `npm start` replays it in a loop.
import { LINKTYPE_ETHERNET } from '../capture/link-types.js';
import { PcapWriter } from '../capture/pcap-writer.js';
import { writeAttacks } from './demo-attacks.js';
import { DEMO_EPOCH_US, DEMO_HOSTS, DEMO_LOOP_SECONDS, ROUTER } from './demo-devices.js';
import { CLOUD_RTT, cloudAddress, dhcpJoin, hostEnd, internetEnd, lookup, ntpSync, routerEnd, tlsConnect, type Scene } from './demo-steps.js';
import { DNS_FLAGS, DNS_TYPE, dnsPayload } from '../synth/dns-payload.js';
import { arp, ETHER_ARP, ether, frame, padTo } from '../synth/frame-builders.js';
import { SeededRandom } from '../synth/seeded-random.js';
import { COAP, coapMessage, ssdpSearch } from '../synth/service-payloads.js';
import type { TcpConversation } from '../synth/tcp-conversation.js';
import { Timeline, udpFrame, type TimedFrame } from '../synth/timeline.js';
import { tlsAppData } from '../synth/tls-payload.js';

/** Seed of the generator: change it and every random byte, port and jitter changes. */
const SEED = 20260101;
/** mDNS group and port (RFC 6762 §3), SSDP group (UPnP DA 2.0 §1.1.2), and their multicast MACs (RFC 1112 §6.4). */
const MDNS = { mac: '01:00:5e:00:00:fb', ip: '224.0.0.251', port: 5353 };
const SSDP = { mac: '01:00:5e:7f:ff:fa', ip: '239.255.255.250', port: 1900 };
/** CoAP's port (RFC 7252 §6.1). */
const COAP_PORT = 5683;
/** Seconds between the devices' status reports on their long-lived cloud connections. */
const REPORT_EVERY = 60;
/**
 * When the long-lived cloud connections close (the devices renew their sessions), seconds. The next
 * loop reopens them from the same ports; a stack keeps a closed connection's port in TIME_WAIT for
 * 60 s (Linux: 2 × MSL) and the gateway keeps a closed flow for flows.tcpClosedTimeout (10 s), so
 * the close leaves more than a minute before the loop comes round.
 */
const SESSION_END = 170;

/** The demo network's gateway: its router, the member of the urn:ietf:params:mud:{gateway,dns,ntp} classes (config policy.gatewayAddresses). */
export const DEMO_GATEWAY_ADDRESSES: readonly string[] = Object.freeze([ROUTER.ip]);

/** Replay gap the capture is cut for: PacedReplay's default, one second. */
const REPLAY_GAP_SECONDS = 1;

/** The demo capture: frames in time order, and the loop length a replay should keep. */
export interface DemoCapture {
  frames: TimedFrame[];
  /** Start of one loop to the start of the next, µs (DEMO_LOOP_SECONDS). */
  loopUs: number;
  linkType: number;
}

/** Status reports every REPORT_EVERY s on an open TLS connection from `from` s, then the device closes it at SESSION_END. */
function reportUntilEnd(conv: TcpConversation, s: Scene, from: number, up: number, down: number): void {
  for (let t = from; t < SESSION_END; t += REPORT_EVERY) conv.exchange(tlsAppData(s.rnd, up), tlsAppData(s.rnd, down), t);
  conv.close('client', SESSION_END + s.rnd.next());
}

/** Camera: control channel to its API, a motion clip uploaded at 30 s. */
function camera(s: Scene): void {
  const cam = DEMO_HOSTS.camera;
  let t = dhcpJoin(s, cam, 0.1);
  t = ntpSync(s, cam, routerEnd(123), t + 0.8);
  const api = tlsConnect(s, cam, 'api.cam.example.com', 443, t + 0.2);
  reportUntilEnd(api.conv, s, api.t + 0.01, 620, 310);
  const clip = tlsConnect(s, cam, 'clips.cam.example.com', 443, 30);
  const sent = clip.conv.exchange(tlsAppData(s.rnd, 64 * 1024), tlsAppData(s.rnd, 220), clip.t);
  clip.conv.close('client', sent + 0.05);
}

/** Plug: MQTT over TLS to its broker with a power reading a minute, a firmware check at 45 s. */
function plug(s: Scene): void {
  const p = DEMO_HOSTS.plug;
  let t = dhcpJoin(s, p, 0.4);
  t = ntpSync(s, p, routerEnd(123), t + 1.0);
  const mqtt = tlsConnect(s, p, 'mqtt.plug.example.com', 8883, t + 0.2, ['mqtt']);
  const subscribed = mqtt.conv.exchange(tlsAppData(s.rnd, 96), tlsAppData(s.rnd, 26), mqtt.t); // CONNECT, CONNACK
  reportUntilEnd(mqtt.conv, s, subscribed + 0.02, 142, 26); // PUBLISH, PUBACK
  const fw = tlsConnect(s, p, 'api.plug.example.com', 443, 45);
  fw.conv.close('client', fw.conv.exchange(tlsAppData(s.rnd, 410), tlsAppData(s.rnd, 1250), fw.t) + 0.05);
}

/** Bulb: clock from time.example.com, state reports to its API; answers the speaker's mDNS and CoAP. */
function bulb(s: Scene): void {
  const b = DEMO_HOSTS.bulb;
  let t = dhcpJoin(s, b, 0.7);
  t = lookup(s, b, 'time.example.com', t + 1.1);
  t = ntpSync(s, b, internetEnd(cloudAddress('time.example.com'), 123), t + 0.01, CLOUD_RTT);
  const api = tlsConnect(s, b, 'api.bulb.example.com', 443, t + 0.2);
  reportUntilEnd(api.conv, s, api.t + 0.01, 280, 90);
}

/** Speaker: mDNS and SSDP discovery, a voice request at 60 s, music from 61 s, the bulb on at 62 s and off at 180 s. */
function speaker(s: Scene): void {
  const spk = DEMO_HOSTS.speaker;
  const b = DEMO_HOSTS.bulb;
  let t = dhcpJoin(s, spk, 1.0);
  t = ntpSync(s, spk, routerEnd(123), t + 1.4);
  // Looks for CoAP lights (RFC 6763 service browsing); the bulb answers to the group.
  const service = '_coap._udp.local';
  const instance = `${b.hostname}.${service}`;
  s.out.add(t + 0.1, udpFrame(hostEnd(spk, MDNS.port), MDNS, dnsPayload({ id: 0, flags: 0, questions: [{ name: service, type: DNS_TYPE.PTR }] })));
  s.out.add(t + 0.102, udpFrame(hostEnd(b, MDNS.port), MDNS, dnsPayload({
    id: 0, flags: DNS_FLAGS.MDNS_ANSWER, questions: [],
    answers: [{ name: service, type: 'PTR', ttl: 4500, target: instance }],
    additionals: [
      { name: instance, type: 'SRV', ttl: 120, flush: true, port: COAP_PORT, target: `${b.hostname}.local` },
      { name: `${b.hostname}.local`, type: 'A', ttl: 120, flush: true, address: b.ip },
    ],
  })));
  s.out.add(t + 0.3, udpFrame(hostEnd(spk, s.rnd.ephemeralPort()), SSDP, ssdpSearch('urn:dial-multiscreen-org:service:dial:1')));
  const voice = tlsConnect(s, spk, 'voice.speaker.example.com', 443, t + 0.5, ['h2']);
  voice.conv.exchange(tlsAppData(s.rnd, 24 * 1024), tlsAppData(s.rnd, 12 * 1024), 60);
  voice.conv.close('client', SESSION_END + s.rnd.next());
  const media = tlsConnect(s, spk, 'media.speaker.example.com', 443, 61, ['h2']);
  media.conv.close('client', media.conv.exchange(tlsAppData(s.rnd, 480), tlsAppData(s.rnd, 200 * 1024), media.t) + 0.05);
  lightSwitch(s, 62, true);
  lightSwitch(s, 180, false);
}

/** The speaker tells the bulb over CoAP to switch; the bulb acknowledges in a piggybacked ACK. */
function lightSwitch(s: Scene, t: number, on: boolean): void {
  const spk = hostEnd(DEMO_HOSTS.speaker, s.rnd.ephemeralPort());
  const b = hostEnd(DEMO_HOSTS.bulb, COAP_PORT);
  const messageId = s.rnd.int(0, 0xffff);
  const token = s.rnd.bytes(4);
  s.out.add(t, udpFrame(spk, b, coapMessage({ code: COAP.PUT, messageId, token, path: 'light', payload: `{"on":${on}}` })));
  s.out.add(t + 0.003, udpFrame(b, spk, coapMessage({ code: COAP.CHANGED, messageId, token })));
}

/** Guest laptop: browses a website; it announces no MUD URL. */
function laptop(s: Scene): void {
  const l = DEMO_HOSTS.laptop;
  const t = dhcpJoin(s, l, 1.6);
  const web = tlsConnect(s, l, 'www.example.org', 443, t + 0.35, ['h2', 'http/1.1']);
  web.conv.close('client', web.conv.exchange(tlsAppData(s.rnd, 640), tlsAppData(s.rnd, 30 * 1024), web.t) + 2);
}

/**
 * The router refreshes its neighbour entry for the camera at `t`: the capture's last frames. Placed
 * so that the capture lasts one loop minus the replay gap: a PacedReplay with its default gap then
 * starts each loop DEMO_LOOP_SECONDS after the previous one, and the C&C check-ins stay periodic.
 */
function routerArp(s: Scene, t: number): void {
  const cam = DEMO_HOSTS.camera;
  s.out.add(t - 0.0005, padTo(frame(ether({ dst: cam.mac, src: ROUTER.mac, type: ETHER_ARP }), arp({ senderMac: ROUTER.mac, senderIp: ROUTER.ip, targetIp: cam.ip }))));
  s.out.add(t, padTo(frame(
    ether({ dst: ROUTER.mac, src: cam.mac, type: ETHER_ARP }),
    arp({ op: 2, senderMac: cam.mac, senderIp: cam.ip, targetMac: ROUTER.mac, targetIp: ROUTER.ip }),
  )));
}

/** Generates the demo capture (deterministic: the same frames on every call). */
export function demoFrames(): DemoCapture {
  const s: Scene = { out: new Timeline(DEMO_EPOCH_US), rnd: new SeededRandom(SEED) };
  camera(s);
  plug(s);
  bulb(s);
  speaker(s);
  laptop(s);
  writeAttacks(s);
  routerArp(s, s.out.firstTime() + DEMO_LOOP_SECONDS - REPLAY_GAP_SECONDS);
  const frames = s.out.frames();
  return { frames, loopUs: DEMO_LOOP_SECONDS * 1e6, linkType: LINKTYPE_ETHERNET };
}

/** Writes the demo capture to `path` as a classic pcap (open it in Wireshark); returns the number of frames. */
export function writeDemoCapture(path: string): number {
  const demo = demoFrames();
  const w = new PcapWriter(path, demo.linkType);
  try {
    for (const f of demo.frames) w.write(f.data, f.ts);
  } finally {
    w.close();
  }
  return demo.frames.length;
}
