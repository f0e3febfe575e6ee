// The exposure findings in words for the device's owner, NOTICE-style: what is open, who can reach
// it, whether the factory password still works, and what to do — one finding per service worth
// a word, worst first. Owners rarely act on a notice they do not understand, so each finding says
// which device, which service, how the internet gets in, and the steps, in that order.
import type { AuditResult } from './exposure-store.js';
import type { ExposedService, Finding, FindingSeverity, InternetPath } from './exposure-types.js';

const RANK: Readonly<Record<FindingSeverity, number>> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Services whose traffic (and password) crosses the network in the clear. */
const CLEARTEXT = new Set(['telnet', 'ftp', 'http-admin']);

const VIA_WORDS: Readonly<Record<string, string>> = {
  upnp: 'a port mapping it asked the router for over UPnP',
  natpmp: 'a port mapping it asked the router for over NAT-PMP',
  pcp: 'a port mapping it asked the router for over PCP',
  nft: 'a port forward in the gateway\'s firewall',
};

function pathWords(p: InternetPath): string {
  if (p.kind === 'wan-peer') return `a connection from the internet it accepted (${p.at.slice(0, 16).replace('T', ' ')} UTC)`;
  return `${VIA_WORDS[p.kind]}${p.externalPort > 0 ? ` (outside port ${p.externalPort})` : ''}`;
}

/** A service as a person says it. */
const SAY: Readonly<Record<string, string>> = {
  telnet: 'telnet', ssh: 'SSH', ftp: 'FTP', 'http-admin': 'its web admin page', 'https-admin': 'its web admin page (HTTPS)', 'tr-069': 'TR-069',
  adb: 'ADB', rtsp: 'RTSP', upnp: 'UPnP', mqtt: 'MQTT', mdns: 'mDNS', dns: 'DNS',
};

/** What to call the service in a sentence: `telnet`, `its web admin page`…, or `tcp port 8000`. */
function say(s: ExposedService): string {
  return s.service === null ? `${s.proto} port ${s.port}` : SAY[s.service] ?? s.service;
}

function serviceLabel(s: ExposedService): string {
  return s.service === null ? say(s) : `${say(s)} (${s.proto} ${s.port})`;
}

function removeWays(s: ExposedService): string[] {
  const out: string[] = [];
  const kinds = new Set(s.internet.paths.map((p) => p.kind));
  if (kinds.has('upnp') || kinds.has('natpmp') || kinds.has('pcp')) out.push('Remove the port mapping, and turn UPnP / NAT-PMP off on the router unless something needs it.');
  if (kinds.has('nft')) out.push('Remove the port forward from the gateway\'s firewall rules.');
  if (kinds.has('wan-peer')) out.push('Find what lets the internet in (a port forward, a DMZ host setting, a mapping) and close it.');
  return out;
}

/** The findings of a device's services (and its latest audit), worst first. */
export function findingsOf(name: string, services: readonly ExposedService[], audit: { at: string; results: AuditResult[] } | null): Finding[] {
  const out: Finding[] = [];
  for (const s of services) {
    const label = serviceLabel(s);
    const reach = s.internet.reachable ? `the internet can reach it through ${s.internet.paths.map(pathWords).join(' and ')}` : null;
    if (s.credentials.length > 0) {
      const how = s.credentials.some((c) => c.source === 'audit') ? 'the audit logged in with' : 'a login was seen succeeding with';
      const list = [...new Set(s.credentials.map((c) => c.list))].join(', ');
      out.push({
        severity: reach !== null ? 'critical' : 'high', service: s.service ?? label, port: s.port,
        text: `${name} accepts a factory default password on ${label}: ${how} a pair from the ${list} list, the passwords Mirai-style worms try first. `
          + (reach !== null ? `And ${reach}: it can be taken over from anywhere.` : 'Only devices on your network can reach it today; one infected device is enough.'),
        todo: [
          `Change the password of ${say(s)} on ${name} now (the device's app or admin page; a factory reset brings the default back).`,
          ...removeWays(s),
          `Turn ${say(s)} off if you do not use it.`,
          'Update the device\'s firmware; if the maker gives no way to change the password, replace the device or keep it quarantined.',
        ],
      });
      continue;
    }
    if (reach !== null && (s.maintenance || s.internet.paths.some((p) => p.kind !== 'wan-peer'))) {
      out.push({
        severity: s.maintenance ? 'high' : 'medium', service: s.service ?? label, port: s.port,
        text: `${name} answers on ${label}, and ${reach}.${s.maintenance ? ' Maintenance logins are what worms and attackers scan the internet for.' : ''}`,
        todo: [
          ...removeWays(s),
          s.maintenance ? `Turn ${say(s)} off if you do not use it; if you do, give it a strong, unique password.` : 'Check the device needs to be reachable from the internet at all.',
          'Update the device\'s firmware.',
          ...(s.audit === null && (s.service === 'telnet' || s.service === 'ssh' || s.service === 'http-admin') ? ['Run `edgeward audit` (with the owner\'s consent) to check for a default password.'] : []),
        ],
      });
      continue;
    }
    if (s.maintenance) {
      const clear = s.service !== null && CLEARTEXT.has(s.service);
      out.push({
        severity: clear ? 'medium' : 'low', service: s.service, port: s.port,
        text: `${name} answers on ${label} on your network${clear ? ', unencrypted: a password typed there can be read by any device on the way' : ''}.`
          + (s.audit?.outcome === 'not-accepted' ? ` The audit of ${s.audit.at.slice(0, 10)} found no default password on it.` : ''),
        todo: [
          `Turn ${say(s)} off if you do not use it.`,
          'Keep a strong, unique password on it and the firmware up to date.',
          ...(s.audit === null && (s.service === 'telnet' || s.service === 'ssh' || s.service === 'http-admin') ? ['Run `edgeward audit` (with the owner\'s consent) to check for a default password.'] : []),
        ],
      });
    }
  }
  if (audit !== null && out.every((f) => f.severity !== 'critical' && f.severity !== 'high')) {
    const tried = audit.results.filter((r) => r.outcome === 'not-accepted').map((r) => `${r.service} (${r.port})`);
    if (tried.length > 0) {
      out.push({ severity: 'info', service: null, port: null, text: `The audit of ${audit.at.slice(0, 16).replace('T', ' ')} UTC tried the default-password lists on ${tried.join(', ')} of ${name}: none was accepted.`, todo: [] });
    }
  }
  return out.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}
