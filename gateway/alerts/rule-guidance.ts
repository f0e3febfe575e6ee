// The words an analyst reads, one table for every rule of rules.ts: the message template of a new
// alert (the device by its name, the peer and the numbers from the input's fields and evidence)
// and what to do about it. The API (GET /api/v1/rules), the dashboard's alert pane and the README's
// rule table all come from here; a test checks every rule has both and that the README agrees.
import type { AlertInput } from './alert.js';
import { BODY_MAGIC_WORDS } from '../app/http/body-magic.js';
import {
  baseName, count, hostPort, num, nums, obj, paren, r1, str, strs, words, type MessageContext, type MessageTemplate,
} from './message-words.js';
import { RULES, RULE_IDS, type RuleId, type Severity } from './rules.js';

/** What the table holds for one rule. */
export interface RuleGuidance {
  /** The message of a new alert of the rule. */
  message: MessageTemplate;
  /** What an analyst should do about it, in a few sentences (README "Detection and alerts", the alert pane). */
  whatToDo: string;
}

/** A rule as GET /api/v1/rules lists it. */
export interface RuleInfo {
  id: RuleId;
  /** Default severity (rules.ts; `alerts.severity` and some detectors grade single alerts otherwise). */
  severity: Severity;
  /** EVE category. */
  category: string;
  /** What the rule means. */
  description: string;
  whatToDo: string;
}

type Input = Readonly<AlertInput>;

/** The alert's device if it has one, else the address (a finding about an address not tied to a device). */
function who(c: MessageContext, addr: string, otherwise = 'a LAN host'): string {
  return str(addr) !== null ? c.at(addr) : c.device ?? otherwise;
}

/** " within N s", or '' without a window. */
function within(seconds: unknown): string {
  const s = num(seconds);
  return s === null ? '' : ` within ${s} s`;
}

/** A flood's rate as its detectors word it: a burst in one bucket, or packets per second for seconds. */
function floodRate(e: Record<string, unknown>, unit: 'datagrams' | null, bits: boolean): string {
  if (e.trigger === 'burst') {
    const n = num(e.peakBurstPackets), ms = num(e.burstWindowMs), ps = num(e.peakBurstPerSecond), b = num(e.peakBurstBytes);
    const mbit = bits && b !== null && ms !== null && ms > 0 ? `${Math.round((b * 8000) / ms / 1e6)} Mbit/s` : null;
    return words([`a burst of ${n ?? 'many'}${unit === 'datagrams' ? ' datagrams' : ''}`, ms !== null && `in ${ms} ms`, paren(words([ps !== null && `${ps}/s`, mbit], ', ')).trim()]);
  }
  const ps = num(e.peakPerSecond), secs = num(e.seconds), bps = num(e.peakBitsPerSecond);
  const rate = ps === null ? 'a high rate' : `${ps}${unit === 'datagrams' ? ' packets' : ''}/s`;
  return words([words([rate, bits && bps !== null && `${Math.round(bps / 1e6)} Mbit/s`], ', '), secs !== null && `for ${secs} s`]);
}

/** "from about N sources", or nothing. */
function sources(e: Record<string, unknown>): string | null {
  const n = num(e.distinctSources);
  return n === null ? null : `from about ${n} source${n === 1 ? '' : 's'}`;
}

function magicWords(m: unknown): string | null {
  return typeof m === 'string' && Object.prototype.hasOwnProperty.call(BODY_MAGIC_WORDS, m) ? BODY_MAGIC_WORDS[m as keyof typeof BODY_MAGIC_WORDS] : null;
}

/** "(after <rule> <id>)"-style mark of an earlier break-in alert, or null. */
function afterMark(v: unknown): string | null {
  const o = obj(v);
  const rule = o === null ? null : str(o.rule);
  return rule === null ? null : words(['after', rule, str(o!.id)]);
}

/** "on blocklist <file> (<kind> <entry>)". */
function listed(e: Record<string, unknown>, kind = str(e.match) ?? 'entry'): string {
  const list = str(e.list);
  const entry = str(e.entry);
  return words([list === null ? 'on a blocklist' : `on blocklist ${baseName(list)}`, entry !== null && `(${kind} ${entry})`]);
}

export const RULE_GUIDANCE: Readonly<Record<RuleId, RuleGuidance>> = {
  'mud.violation': {
    message: (a, c) => {
      const e = a.evidence;
      const out = e.direction !== 'to-device';
      const peer = str(out ? a.dst : a.src);
      const peerText = peer === null ? 'an unknown peer' : hostPort(peer, out ? a.dport : a.sport) + paren(strs(e.peerNames)[0]);
      return `${c.device ?? 'a device'} ${out ? 'sent' : 'received'} ${words([str(a.proto), out ? 'to' : 'from'])} ${peerText}, outside its MUD profile: `
        + `${str(e.reason) ?? 'no ACE allows it'}${e.action === 'drop' ? '; dropped' : ''}`;
    },
    whatToDo: 'Find out whether the device needs this peer (a new firmware service, a vendor cloud that moved). If it does, ask the vendor for an '
      + 'updated MUD profile or bind a corrected one; if not, treat the device as compromised: look at its other alerts and flows and quarantine it. '
      + 'In enforce mode the flow was dropped; in monitor mode it went through.',
  },
  'mud.no-profile': {
    message: (a, c) => {
      const url = str(a.evidence.mudUrl);
      return `${c.device ?? 'a device'} ${url !== null ? `announced ${url} but no profile is held for it` : 'has no MUD profile'}`
        + `${a.evidence.default === 'quarantine' ? '; quarantined' : ''}`;
    },
    whatToDo: 'Identify the device (vendor, host name, MAC) and give it its maker\'s MUD profile: a vendor upload, a file under policy.profilesDir, '
      + 'a binding in policy.bindings, or one learned with `edgeward mud learn`. Until then only the detectors watch it; quarantine it if nobody knows it.',
  },
  'scan.port': {
    message: (a, c) => {
      const e = a.evidence;
      const ports = count(num(e.ports), 'port', 'ports', 'many ports');
      const open = num(e.openPorts);
      const openList = strs(e.openSample).length > 0 ? strs(e.openSample) : nums(e.openSample).map(String);
      return `${c.at(a.src, 'a source')} ${e.trigger === 'stealth' ? 'sent stealth probes (NULL, FIN, Xmas…) to' : 'probed'} ${ports} of `
        + `${c.at(a.dst, 'a host')}${within(e.windowSeconds)}${open !== null && open > 0 ? `; ${open} open${paren(openList.join(', '))}` : ''}`;
    },
    whatToDo: 'From outside: make sure no port the scan found open is reachable from the internet (port forwards, UPnP mappings) and block the source '
      + 'if it keeps on. From a LAN device: it is running a scanner or is infected; check its other alerts (brute force, downloads) and quarantine it.',
  },
  'scan.host': {
    message: (a, c) => {
      const e = a.evidence;
      const port = num(a.dport) ?? num(e.port);
      return `${c.at(a.src, 'a source')} tried ${words([str(a.proto), port !== null && String(port)], '/') || 'one port'} on `
        + `${count(num(e.hosts), 'host', 'hosts', 'many hosts')}${within(e.windowSeconds)} without a conversation`;
    },
    whatToDo: 'One port tried on many hosts is how worms spread (Mirai on telnet 23/2323). A LAN source is likely infected: quarantine it and look for '
      + 'how it was entered (brute-force, exploit or download alerts). From outside: confirm the port is not exposed and block the source.',
  },
  'scan.icmp': {
    message: (a, c) => {
      const e = a.evidence;
      const kinds = strs(e.kinds);
      const answered = num(e.answered);
      return `${c.at(a.src, 'a source')} swept ${count(num(e.hosts), 'host', 'hosts', 'many hosts')} with ICMP ${kinds.length > 0 ? kinds.join('/') : 'echo'} requests`
        + `${within(e.windowSeconds)}${answered !== null && answered > 0 ? `; ${answered} answered` : ''}`;
    },
    whatToDo: 'If the source is a monitoring system, list it in detect.scanIcmp.ignoreSources. Otherwise a LAN source is mapping the network '
      + '(reconnaissance by an infected device): investigate it and quarantine it. From outside: drop ICMP requests at the WAN if nothing needs them.',
  },
  'scan.arp': {
    message: (a, c) => {
      const e = a.evidence;
      const probes = a.src === '0.0.0.0';
      const asker = probes || str(a.src) === null ? (c.device ?? 'a LAN host') : c.at(a.src);
      const low = str(e.low), high = str(e.high);
      return `${asker} asked ARP for ${count(num(e.targets), 'address', 'addresses', 'many addresses')}${low !== null && high !== null && low !== high ? ` (${low} – ${high})` : ''}`
        + `${within(e.windowSeconds)}${probes ? ' as RFC 5227 probes' : ''}`;
    },
    whatToDo: 'A LAN host mapping the subnet is an intruder\'s first step, or an infected device looking for victims. Unless it is an inventory tool '
      + '(list it in detect.scanArp.ignoreSenders), identify it by its MAC, check its other alerts and quarantine it.',
  },
  'bruteforce.telnet': {
    message: (a, c) => bruteforceMessage(a, c, 'telnet'),
    whatToDo: 'Close telnet on the device (turn the service off, or block ports 23 and 2323 at the gateway), replace any default password, and check '
      + 'whether a login worked: malware.download, beacon.c2 or scan alerts from the device after this mean it did — then quarantine it and reflash its firmware.',
  },
  'bruteforce.ssh': {
    message: (a, c) => bruteforceMessage(a, c, 'SSH'),
    whatToDo: 'Make sure SSH on the device is not reachable from the internet, use keys rather than passwords, and block the source. Check whether a '
      + 'login worked (downloads, new destinations, scans from the device afterwards); if so quarantine the device and reset it.',
  },
  'cleartext.telnet': {
    message: (a, c) => {
      const e = a.evidence;
      const server = str(e.server) ?? str(a.dst), client = str(e.client) ?? str(a.src);
      const port = num(e.port) ?? num(a.dport);
      return e.role === 'server'
        ? `telnet server open on ${c.at(server, 'a LAN device')}${port !== null ? ` port ${port}` : ''}, session from ${c.at(client, 'an unknown client')}`
        : `${c.at(client, 'a LAN device')} opened a telnet session to ${c.at(server, 'an unknown server')}${port !== null ? ` port ${port}` : ''}`;
    },
    whatToDo: 'Telnet carries passwords in clear and is how Mirai gets in. Turn the telnet service off on the device (or block it at the gateway), '
      + 'set a strong password, and use SSH or the vendor\'s app for maintenance.',
  },
  'beacon.c2': {
    message: (a, c) => {
      const e = a.evidence;
      const name = str(e.serverName) ?? strs(e.names)[0] ?? null;
      const dst = str(a.dst);
      const target = e.keyKind === 'name' && name !== null ? name : words([dst === null ? null : hostPort(dst, a.dport), name !== null && `(${name})`]) || 'one destination';
      const med = num(e.medianSeconds), mad = num(e.madSeconds), n = num(e.checkins), span = num(e.spanSeconds), score = num(e.score);
      const signs = strs(e.signs);
      const facts = words([n !== null && `${n} check-ins${span !== null ? ` over ${Math.round(span)} s` : ''}`, score !== null && `score ${score}`], ', ');
      return `${c.at(a.src, 'a device')} checks in with ${target}${med !== null ? ` every ${r1(med)} s${mad !== null ? ` ± ${r1(mad)} s` : ''}` : ' periodically'}`
        + paren(words([facts, signs.length > 0 && signs.join(', ')], '; '));
    },
    whatToDo: 'Find out what the destination is (DNS name, owner, reputation). If it is not the vendor\'s cloud or a service the owner uses, treat the device '
      + 'as infected: block the destination, quarantine the device and reflash it. If it is legitimate, declare it in the device\'s MUD profile.',
  },
  'dns.tunnel': {
    message: (a, c) => {
      const e = a.evidence;
      const domain = str(e.domain) ?? 'one domain';
      if (e.mode === 'query') {
        return `${c.at(a.src, 'a LAN host')} asked for ${str(e.qtypeName) ?? 'rare-type'} records of a name under ${domain}, a type only tunnels such as iodine ask for`;
      }
      const shaped = num(e.shapedShare), txt = num(e.txtShare);
      return `${c.at(a.src, 'a LAN host')} asked for ${count(num(e.uniqueSubdomains), 'unique name', 'unique names', 'many unique names')} under ${domain}`
        + `${within(e.windowSeconds)}${paren(words([shaped !== null && `${Math.round(100 * shaped)}% long or high-entropy`, txt !== null && `${Math.round(100 * txt)}% TXT/NULL/CNAME/MX`], ', '))}`;
    },
    whatToDo: 'Look the domain up: DNS tunnels (iodine, dnscat2) run through a domain the attacker controls. Block the domain at the resolver (DNS filtering), '
      + 'quarantine the device and find the program that made the queries.',
  },
  'dns.exfiltration': {
    message: (a, c) => {
      const e = a.evidence;
      const domain = str(e.domain) ?? 'one domain';
      if (e.mode === 'query') {
        const bits = num(e.payloadBits), labels = nums(e.labelLengths), entropy = num(e.entropy);
        return `${c.at(a.src, 'a LAN host')} asked for a name under ${domain} carrying ${bits !== null ? `about ${Math.floor(bits / 8)} bytes of ` : ''}`
          + `${str(e.encoding) ?? 'encoded'} encoded data in one query${paren(words([labels.length > 0 && `labels ${labels.join('+')} octets`, entropy !== null && `entropy ${entropy} bits/char`], ', '))}`;
      }
      const bytes = num(e.bytes);
      return `${c.at(a.src, 'a LAN host')} sent ${bytes !== null ? `${bytes} bytes` : 'data'} in ${count(num(e.uniqueQueries), 'unique query name', 'unique query names', 'many unique query names')}`
        + ` under ${domain}${within(e.windowSeconds)}`;
    },
    whatToDo: 'Data may be leaving in DNS names. Block the domain at the resolver, quarantine the device, find out what data it held, and look at its '
      + 'other alerts for how it was compromised.',
  },
  'flood.syn': {
    message: (a, c) => {
      const e = a.evidence;
      const kind = e.kind === 'synack' ? 'SYN-ACK' : 'SYN';
      const inbound = e.direction !== 'outbound';
      const done = num(e.completedHandshakes), total = num(e.packets);
      return `${kind} flood ${inbound ? `to ${c.at(a.dst, 'a LAN host')}` : `from ${c.device ?? 'the LAN'} to ${str(a.dst) ?? 'an outside host'}`}: `
        + `${words([floodRate(e, null, false), sources(e)])}${e.trigger === 'spoofed-sources' && done !== null && total !== null ? `, ${done} of ${total} handshakes completed` : ''}`;
    },
    whatToDo: 'Against a LAN device: check whether it is reachable from the internet (port forwards, UPnP) and drop or rate-limit that traffic at the WAN. '
      + 'From a LAN device: it is attacking others (a botnet member): quarantine it and reflash it.',
  },
  'flood.udp': {
    message: (a, c) => {
      const e = a.evidence;
      const inbound = e.direction !== 'outbound';
      return `UDP flood ${inbound ? `to ${c.at(a.dst, 'a LAN host')}` : `from ${c.device ?? 'the LAN'} to ${str(a.dst) ?? 'an outside host'}`}: `
        + words([floodRate(e, 'datagrams', true), sources(e)]);
    },
    whatToDo: 'Against a LAN device: close the UDP services it exposes to the internet and, if the uplink is saturated, ask the ISP to filter upstream. '
      + 'From a LAN device: it is attacking others (a botnet member): quarantine it and reflash it.',
  },
  'flood.amplification': {
    message: (a, c) => {
      const e = a.evidence;
      const ports = nums(e.servicePorts).join(',');
      const from = ports !== '' ? `port ${ports}` : 'UDP service ports';
      const reflectors = num(e.reflectors);
      const of = reflectors !== null ? ` of about ${reflectors} reflectors` : '';
      if (e.direction === 'outbound') {
        const ratio = num(e.ratio);
        return `${c.device ?? 'a LAN device'} reflects ${from} responses to ${str(a.dst) ?? 'an outside host'}: ${floodRate(e, null, false)}, `
          + `${ratio ?? 'no'} response bytes per request byte`;
      }
      if (e.trigger === 'reflectors') {
        const n = num(e.responses), bytes = num(e.bytes), mean = num(e.meanResponseBytes), secs = num(e.durationSeconds);
        return `reflection to ${c.at(a.dst, 'a LAN host')}: unsolicited responses from ${from}${of}`
          + `${n !== null ? `, ${n} responses` : ''}${paren(words([bytes !== null && `${Math.round(bytes / 1024)} KiB`, mean !== null && `${mean} B each`], ', '))}`
          + `${secs !== null ? ` in ${secs} s` : ''}`;
      }
      return `reflection flood to ${c.at(a.dst, 'a LAN host')}: unsolicited responses from ${from}${of}, ${floodRate(e, null, false)}`;
    },
    whatToDo: 'Inbound, the target is the victim of a reflection attack: if the uplink is saturated ask the ISP to filter upstream. If a LAN device '
      + 'reflects (an open DNS, NTP, SSDP, SNMP or memcached service reachable from the internet), close that service or block it at the WAN.',
  },
  'intel.blocklist': {
    message: (a, c) => {
      const e = a.evidence;
      const name = str(e.name) ?? 'a listed name';
      switch (e.where) {
        case 'sni':
        case 'http-host':
          return `${c.at(a.src, 'a host')} reached ${name}${paren(str(a.dst))} by ${e.where === 'sni' ? 'TLS server name' : 'HTTP Host'}, ${listed(e, 'domain')}`;
        case 'dns-cname': {
          const first = strs(e.chain)[0] ?? null;
          return `${c.at(a.dst, 'a host')} got a DNS answer${first !== null ? ` for ${first}` : ''} that is an alias of ${name}, ${listed(e, 'domain')}`;
        }
        case 'dns-query':
          return `${c.at(a.src, 'a host')} asked DNS for ${name}, ${listed(e, 'domain')}`;
        default: {
          const address = str(e.address) ?? 'a listed address';
          const from = str(e.resolvedFrom);
          if (from !== null) return `${c.at(a.src, 'a host')} connected to ${address}, what ${from} resolved to, ${listed(e, 'domain')}`;
          return e.side === 'initiator'
            ? `${address} connected to ${c.at(a.dst, 'a host')}, ${listed(e)}`
            : `${c.at(a.src, 'a host')} connected to ${address}, ${listed(e)}`;
        }
      }
    },
    whatToDo: 'Check which list and entry matched and how far that list is trusted. A device talking to a known-bad address or domain is likely infected: '
      + 'block the destination, quarantine the device and look for earlier exploit or download alerts. A wrong entry is removed from the list file (reloaded when it changes).',
  },
  'malware.download': {
    message: (a, c) => {
      const e = a.evidence;
      const after = afterMark(e.after);
      const what = magicWords(e.magic);
      if (e.transport === 'tcp') {
        const toInitiator = e.direction === 'responder-to-initiator';
        const receiver = toInitiator ? a.src : a.dst, sender = str(toInitiator ? a.dst : a.src);
        return `${c.at(receiver, 'a LAN device')} was sent ${what ?? 'an executable'} over a bare TCP stream`
          + `${sender !== null ? ` from ${hostPort(sender, num(e.senderPort))}` : ''}${e.match === 'stager' ? ' after a 4-byte stage length (a stager)' : ''}${paren(after)}`;
      }
      const arch = str(e.arch);
      const thing = what !== null ? `${what}${paren(arch)}` : e.match === 'loader-script' ? 'a loader script' : 'a bot binary';
      const disguise = obj(e.disguise);
      const archs = strs(e.archs);
      const marks = [
        disguise !== null && `served as ${str(disguise.contentType) ?? `.${str(disguise.extension) ?? '?'}`}`,
        e.loaderPattern === true && archs.length > 0 && `builds for ${archs.join(', ')}`, after,
      ];
      return `${c.at(a.src, 'a LAN device')} fetched ${thing} from ${str(e.host) ?? str(a.dst) ?? 'a server'}${str(e.uri) ?? ''}${paren(words(marks, '; '))}`;
    },
    whatToDo: 'Treat the device as compromised: quarantine it, block the server it fetched from, and keep the URL and evidence. Reset or reflash the device, '
      + 'change its passwords, and find how it was entered (brute-force or exploit alerts before this one).',
  },
  'malware.mining': {
    message: (a, c) => {
      const dst = str(a.dst);
      return `${c.at(a.src, 'a host')} speaks a mining protocol${paren(str(a.evidence.method))} to ${dst !== null ? hostPort(dst, a.dport) : 'a pool'}`;
    },
    whatToDo: 'The device mines cryptocurrency for someone else: quarantine it, block the pool\'s address and port, reset the device and change its credentials.',
  },
  'upnp.portmap': {
    message: (a, c) => {
      const e = a.evidence;
      const ext = num(e.externalPort), int = num(e.internalPort);
      const proto = str(e.protocol);
      const what = words([str(e.proto) ?? 'a', 'port', String(ext ?? int ?? '').trim() || null]);
      return `${c.at(a.src, 'a LAN device')} asked ${str(a.dst) ?? 'the router'}${paren(proto)} to ${num(e.lifetime) === 0 ? 'remove the mapping of' : 'map'} ${what}`
        + `${int !== null && ext !== null ? ` to ${int}` : ''}`;
    },
    whatToDo: 'A device asked the router to open a port to it from the internet. Unless its owner expects that (a game console, remote viewing), remove the '
      + 'mapping and turn UPnP and NAT-PMP off on the router: malware uses them to expose devices.',
  },
  'baseline.new-destination': {
    message: (a, c) => {
      const e = a.evidence;
      const dest = str(e.destination) ?? str(a.dst) ?? 'a new destination';
      const learned = num(e.learnedDestinations);
      return `${c.device ?? c.at(a.src, 'a device')} reached ${dest}${str(e.name) !== null ? paren(str(e.address)) : ''}, not seen while learning`
        + `${learned !== null ? ` (${count(learned, 'destination')} learned)` : ''}`;
    },
    whatToDo: 'Check whether the destination belongs to the vendor or to a service the owner added. If so it can be left (or learned into a MUD profile '
      + 'with `edgeward mud learn`); if not, look at the device\'s other alerts and flows for signs of compromise.',
  },
  'device.new': {
    message: (a, c) => {
      const e = a.evidence;
      const mac = str(e.mac) ?? a.device;
      const vendor = str(e.vendor);
      const name = c.device ?? mac;
      // The name is the host name when it has one: then the maker and MAC follow it.
      const also = mac !== null && name !== null && !name.includes(mac) ? words([vendor, mac]) : null;
      const ip = strs(e.ips)[0] ?? str(a.src);
      return `${name !== null ? `new device ${name}` : 'a new device'}${paren(also)}${ip !== null ? ` at ${ip}` : ''}`;
    },
    whatToDo: 'Confirm the device is one the owner installed. Give it a MUD profile (vendor upload, binding, or `edgeward mud learn`), or quarantine it if nobody knows it.',
  },
  'storm.reconnect': {
    message: (a, c) => {
      const e = a.evidence;
      const n = num(e.count) ?? a.count ?? null;
      const fresh = num(e.newDevices);
      const macs = strs(e.devices);
      const shown = macs.slice(0, 3).map((m) => c.nameOf(m) ?? m);
      const list = shown.length > 0 ? `${shown.join(', ')}${macs.length > shown.length || (n !== null && n > shown.length) ? ', …' : ''}` : null;
      return `${count(n, 'device', 'devices', 'many devices')} reappeared at once (power restored?)${fresh !== null && fresh > 0 ? `, ${fresh} of them new` : ''}${list !== null ? `: ${list}` : ''}`;
    },
    whatToDo: 'Usually power or the network came back after an outage: confirm it with the site. The devices\' own device.new alerts are folded into this one; '
      + 'check the device list for devices that did not come back, or came back behaving differently.',
  },
  'edge.error': {
    message: (a, c) => {
      const e = a.evidence;
      const host = str(e.host);
      const src = str(a.src);
      const from = c.device ?? (host !== null ? `${host}${paren(src)}` : src) ?? 'a device';
      return `${from}${str(e.app) !== null ? ` ${str(e.app)}` : ''} logged ${str(e.severity) ?? 'an error'}: ${str(e.message) ?? '(no text)'}`;
    },
    whatToDo: 'Read the device\'s log lines around this time (the Logs page, or the device\'s page). Repeated errors mean failing hardware or firmware, a '
      + 'misconfiguration, or an attack under way (authentication failures); a critical line needs a look now. Contact the vendor if the device keeps failing.',
  },
  'sensor.fault': {
    message: (a) => {
      const e = a.evidence;
      const plugin = str(e.plugin) ?? str(a.peer);
      const faults = num(e.faults);
      const rules = strs(e.rules);
      return `${plugin !== null ? `plug-in ${plugin}` : 'a plug-in'} threw${str(e.hook) !== null ? ` in ${str(e.hook)}` : ''}: `
        + `${e.disabled === true ? `switched off${faults !== null ? ` after ${faults} faults` : ''}` : `contained${paren(faults !== null && `${faults} so far`)}`}; `
        + `its rules (${rules.join(', ') || 'none'}) may miss traffic`;
    },
    whatToDo: 'Detection by the plug-in\'s rules may be incomplete until the daemon restarts (a plug-in switched off stays off). Keep the error and stack from '
      + 'the evidence and report them to the edgeward maintainers with the edgeward version.',
  },
  'exploit.http': {
    message: (a, c) => {
      const e = a.evidence;
      const sigs = strs(e.signatures);
      const m = Array.isArray(e.matches) ? obj(e.matches[0]) : null;
      const where = m === null ? null : str(m.where);
      const req = words([str(e.method), str(e.path)]);
      return `${c.at(a.src, 'a host')} sent an exploit${paren(sigs.join(', '))}${where !== null ? ` in the ${where}` : ''}${req !== '' ? ` of ${req}` : ''} `
        + `to ${c.at(a.dst, 'a host')}`;
    },
    whatToDo: 'Update the target device\'s firmware, keep its web interface off the internet, and block the source. Check whether the exploit worked: '
      + 'malware.download, beacon.c2 or scan alerts from the target afterwards mean it did — then quarantine the target.',
  },
  'c2.http': {
    message: (a, c) => {
      const e = a.evidence;
      const marks = Array.isArray(e.marks) ? e.marks.map((m) => str(obj(m)?.mark)).filter((m): m is string => m !== null) : [];
      const path = str(e.path);
      return `${c.at(a.src, 'a LAN device')} sent ${words([str(e.method) ?? 'a request', path !== null && path.slice(0, 80)])} to ${str(e.host) ?? str(a.dst) ?? 'a server'} `
        + `with ${count(marks.length > 0 ? marks.length : null, 'mark', 'marks', 'several marks')} of HTTP C&C${paren(marks.join(', '))}`;
    },
    whatToDo: 'Look at the server and the requests. If the device has no business there, block the server, quarantine the device and reflash it; '
      + 'if it is a legitimate service, suppress the rule for that peer.',
  },
  'icmp.tunnel': {
    message: (a, c) => {
      const e = a.evidence;
      let why: string;
      if (e.trigger === 'inner-ip') why = `echo payloads carry inner IP packets (${str(e.innerSample) ?? 'inner addresses not captured'})`;
      else if (e.trigger === 'tool-magic') why = `${num(e.toolMagicPackets) ?? 'several'} echo payloads carry a ping-tunnel header`;
      else {
        why = `${num(e.opaquePackets) ?? 'many'} opaque echo payloads`
          + `${paren(words([num(e.opaqueBytes) !== null && `${num(e.opaqueBytes)} bytes`, num(e.distinctLengths) !== null && `${num(e.distinctLengths)} lengths`], ', '))}`
          + within(e.windowSeconds);
      }
      return `ICMP tunnel between ${c.at(a.src, 'a host')} and ${c.at(a.dst, 'a host')}: ${why}`;
    },
    whatToDo: 'ICMP echo carrying packets or a tunnel header is a covert channel (ptunnel, icmptunnel, hans). Block ICMP echo to that peer at the WAN, '
      + 'quarantine the device and find the tunnel program on it.',
  },
  'device.default-credential': {
    message: (a, c) => {
      const e = a.evidence;
      const login = LOGIN_WORDS[str(e.service) ?? ''] ?? 'a login';
      const port = num(e.port) ?? num(a.dport);
      const list = str(e.list);
      return `${c.at(a.dst, 'a LAN device')} accepted ${login}${port !== null ? ` on port ${port}` : ''} from ${c.at(a.src, 'an unknown client')} `
        + `with a factory password${list !== null ? ` (on the ${list} list)` : ''}`;
    },
    whatToDo: 'Anyone who tries the factory passwords — every Mirai-style bot does — can take this device over. Change its password now (or turn the '
      + 'service off if nobody needs it), update its firmware, and keep the service unreachable from the internet (port forwards, UPnP mappings). '
      + 'If the login was not the owner\'s, treat the device as compromised: quarantine it and reset it.',
  },
  'sensor.capture-loss': {
    // The capture-loss watch words its own message (no device: the interface, the counts, the fix).
    message: (a) => a.message,
    whatToDo: 'The gateway missed packets, so detection was blind to part of the traffic. Raise capture.bufferSize for kernel drops or capture.workers for '
      + 'ring drops, check the CPU load of the box, and treat the time of the loss as unmonitored.',
  },
};

/** A device.default-credential login by its service. */
const LOGIN_WORDS: Readonly<Record<string, string>> = Object.freeze({ telnet: 'a telnet login', http: 'an HTTP Basic login', ftp: 'an FTP login' });

function bruteforceMessage(a: Input, c: MessageContext, service: string): string {
  const e = a.evidence;
  const what = e.trigger === 'failures'
    ? count(num(e.failures), 'failed login', 'failed logins', 'many failed logins')
    : count(num(e.sessions), 'short session', 'short sessions', 'many short sessions');
  return `${who(c, a.src)} made ${what} to ${service} on ${c.at(a.dst, 'a host')}${a.dport !== null ? ` port ${a.dport}` : ''}${within(e.windowSeconds)}`;
}

/** Every rule with its severity, category, meaning and what to do, in the order of rules.ts (GET /api/v1/rules). */
export function ruleCatalog(): RuleInfo[] {
  return RULE_IDS.map((id) => ({ id, severity: RULES[id][0], category: RULES[id][1], description: RULES[id][2], whatToDo: RULE_GUIDANCE[id].whatToDo }));
}
