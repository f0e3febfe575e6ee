// Cleartext telnet (`cleartext.telnet`): a telnet session to or from a LAN device — the open
// maintenance port that MIC's NOTICE survey hunts for and Mirai logs in through, with passwords on
// the wire in the clear. One alert per (device, peer), its count the number of sessions.
//
// A session is a TCP flow in which a telnet server answered: on a telnet port, a SYN-ACK or any
// payload from the server's side; on any port, server bytes the app layer found to be telnet by
// content (option negotiation, gateway/app/telnet/: Mirai's kin open telnetd on odd ports too).
// A telnet port whose content the app layer found to be another protocol (SSH on 2323) is no
// telnet once that is known. The device is the server when it is on the LAN (an open telnet port
// is the finding), else the LAN client (a device speaking telnet out). Payload is never kept.
import { BoundedTable } from '../../common/bounded-table.js';
import { ipv4ToString, ipv6ToString, macToString } from '../../common/address-text.js';
import { IPPROTO } from '../../decode/dispatch.js';
import type { PacketView } from '../../decode/packet-view.js';
import { TCP_ACK, TCP_SYN } from '../../decode/transport/tcp.js';
import type { Flow } from '../../track/flow.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.cleartextTelnet`. All are read at start. */
export interface CleartextTelnetConfig {
  /**
   * Telnet server ports: IANA 23, and 2323 that Mirai also tries (and many devices open). Default
   * [23, 2323]. Telnet on any other port is found by content.
   */
  ports: number[];
  /**
   * Cap on live telnet flows remembered as already reported (dropped when they end); at the cap
   * the oldest is forgotten, so its session may be counted again. Default 4096.
   */
  maxTracked: number;
}

/** Defaults of `detect.cleartextTelnet`. */
export const CLEARTEXT_TELNET_DEFAULTS: Readonly<CleartextTelnetConfig> = Object.freeze({
  ports: Object.freeze([23, 2323]) as number[],
  maxTracked: 4096,
});

/** The running detector, with its counters (for tests and metrics). */
export interface CleartextTelnetDetector extends Plugin {
  /** Flows forgotten at `maxTracked`. */
  readonly evicted: number;
}

/** How a session was found: the server's SYN-ACK or payload on a telnet port, or telnet content on any port. */
type Trigger = 'syn-ack' | 'payload' | 'content';

/**
 * The `cleartextTelnet` detector. Alert: src = client, dst = server (ports likewise), device = the
 * LAN server, else the LAN client; dedup peer = the device's far end. Evidence: `role` (server,
 * client: what the device is), `server`, `client`, `port`, `trigger` (syn-ack, payload, content);
 * with content, also `portMismatch` (telnet on a port that is not a telnet port).
 */
export const cleartextTelnet = plugin<CleartextTelnetConfig>({
  name: 'cleartextTelnet',
  rules: ['cleartext.telnet'],
  defaults: CLEARTEXT_TELNET_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<CleartextTelnetConfig>): CleartextTelnetDetector {
    const telnet = new Uint8Array(65536);
    for (const p of cfg.ports) if (p >= 0 && p < 65536) telnet[p] = 1;
    /** Live telnet flows already decided (reported, or found to involve no LAN device), oldest first. */
    const reported = new BoundedTable<Flow, true>({
      name: 'detect.cleartextTelnet.maxTracked', capacity: cfg.maxTracked, order: 'fifo', counters: host.events, event: 'detect.cleartextTelnet.table_full',
    });

    function local(f: Flow, side: 'a' | 'b'): boolean {
      if (side === 'a') return f.family === 4 ? host.local.hasV4(f.a0) : host.local.hasV6(f.a0, f.a1, f.a2, f.a3);
      return f.family === 4 ? host.local.hasV4(f.b0) : host.local.hasV6(f.b0, f.b1, f.b2, f.b3);
    }

    function text(f: Flow, side: 'a' | 'b'): string {
      if (side === 'a') return f.family === 4 ? ipv4ToString(f.a0) : ipv6ToString(f.a0, f.a1, f.a2, f.a3);
      return f.family === 4 ? ipv4ToString(f.b0) : ipv6ToString(f.b0, f.b1, f.b2, f.b3);
    }

    function raise(pv: PacketView, flow: Flow, serverSide: 'a' | 'b', trigger: Trigger): void {
      // Decided once per flow, alert or not.
      reported.add(flow, true);
      const clientSide = serverSide === 'a' ? 'b' : 'a';
      let deviceSide: 'a' | 'b';
      if (local(flow, serverSide)) deviceSide = serverSide;
      else if (local(flow, clientSide)) deviceSide = clientSide;
      else return; // neither end on the LAN: transit, not a device of ours
      const mac = deviceSide === 'a' ? flow.aMac : flow.bMac;
      const device = mac >= 0 && host.devices.get(mac) ? macToString(mac) : null;
      const server = text(flow, serverSide), client = text(flow, clientSide);
      const serverPort = serverSide === 'a' ? flow.aPort : flow.bPort;
      const clientPort = serverSide === 'a' ? flow.bPort : flow.aPort;
      const role = deviceSide === serverSide ? 'server' : 'client';
      host.emit({
        rule: 'cleartext.telnet', ts: pv.ts, device, src: client, dst: server, proto: 'tcp', sport: clientPort, dport: serverPort,
        // One alert per (device, peer): the peer is the far end of the device.
        peer: role === 'server' ? client : server,
        message: role === 'server'
          ? `telnet server open on ${server} port ${serverPort}, session from ${client}`
          : `${client} opened a telnet session to ${server} port ${serverPort}`,
        evidence: trigger === 'content' ? { role, server, client, port: serverPort, trigger, portMismatch: telnet[serverPort] !== 1 } : { role, server, client, port: serverPort, trigger },
      });
    }

    return {
      ipProtos: [IPPROTO.TCP],
      get evicted() { return reported.evicted; },

      onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
        if (flow === null || flow.proto !== IPPROTO.TCP) return;
        // What the app layer found by content so far (null while undecided or unknown).
        const app = flow.app !== null ? flow.app.proto : flow.appProto;
        // The server is B (the responder) on a telnet port; or A, when the flow was picked up
        // mid-stream from a server on a high port (2323) that spoke first.
        let serverDir: number;
        if (telnet[flow.bPort] === 1) serverDir = 1;
        else if (telnet[flow.aPort] === 1 && !flow.initiatorKnown) serverDir = 0;
        else if (app === 'telnet') serverDir = 1; // the telnet module reads the responder as the server
        else return;
        if (dir !== serverDir || (app !== null && app !== 'telnet')) return;
        const synAck = (pv.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
        if (!synAck && pv.payloadLen <= 0) return;
        if (reported.has(flow)) return;
        const trigger: Trigger = telnet[serverDir === 1 ? flow.bPort : flow.aPort] !== 1 ? 'content' : synAck ? 'syn-ack' : 'payload';
        raise(pv, flow, serverDir === 1 ? 'b' : 'a', trigger);
      },

      onFlowEnd(flow: Flow): void {
        reported.delete(flow);
      },

      stateSize(): number {
        return reported.size;
      },
    };
  },
});
