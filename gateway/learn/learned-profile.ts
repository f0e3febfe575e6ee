// Cuts one device's evidence into a MUD profile and its report: classes the peers, sets the long
// tail apart, writes the RFC 8520 document, checks it with the project's own parser (it must be
// accepted without a warning), and says which addresses its URN rules stand for.
import { describeAce, formatIssue, mudUrlAuthority, parseMud, type MudProfile } from '../../policies/index.js';
import { isoTime } from '../common/packet-time.js';
import type { Device } from '../track/device.js';
import type { DeviceEvidence } from './device-evidence.js';
import { formatDuration } from '../common/duration.js';
import { TAIL_DEFAULTS, type LearnerOptions, type ProfileOptions } from './learn-config.js';
import type { LearnReport, ReportEntry, UnnamedPeer } from './learn-report.js';
import { learnedEntries, nameEntries, serviceText, type LearnedEntry } from './learned-entries.js';
import { mudDocument } from './mud-document.js';
import type { NetworkServices } from './network-services.js';
import { peerClassText, type ClassContext } from './peer-class.js';

/** A learned profile: the RFC 8520 JSON document and its report. */
export interface LearnedProfile {
  mud: Record<string, unknown>;
  report: LearnReport;
}

/** What a profile is built from. */
export interface ProfileInput {
  evidence: DeviceEvidence;
  /** The inventory's record of the device (vendor, hostname, announced MUD URL), if it has one. */
  device: Device | undefined;
  services: NetworkServices;
  policy: LearnerOptions['policy'];
  /** The learning window, seconds (0: none). */
  windowSeconds: number;
  /** Packet time (µs) of the last packet seen: last-update unless the options say otherwise. */
  lastTs: number;
  options: ProfileOptions;
}

/** RFC 8520 default cache-validity, hours. */
const CACHE_VALIDITY_HOURS = 48;

const uniq = (xs: Iterable<string>): string[] => [...new Set(xs)];

/** The placeholder mud-url of a device that announced none: https, so that it validates without a warning. */
export function placeholderMudUrl(mac: string): string {
  return `https://example.invalid/mud/${mac.replace(/:/g, '-')}.json`;
}

/** Builds the profile and the report. */
export function buildLearnedProfile(inp: ProfileInput): LearnedProfile {
  const { evidence: ev, device, services, policy, options: o } = inp;
  // The URL the device announced names its profile, unless it is not https (RFC 8520 §3.3): a
  // learned profile must validate without a warning.
  const announced = device?.mudUrl != null && device.mudUrl.startsWith('https://') && mudUrlAuthority(device.mudUrl) !== undefined ? device.mudUrl : null;
  const mudUrl = o.mudUrl ?? announced ?? placeholderMudUrl(ev.mac);
  const mudUrlSource = o.mudUrl !== undefined ? 'given' : announced !== null ? 'announced' : 'placeholder';
  const gw = uniq([...policy.gatewayAddresses, ...services.dhcp]);
  const ctx: ClassContext = {
    dnsServers: new Set([...(policy.dnsServers.length > 0 ? policy.dnsServers : policy.gatewayAddresses), ...services.dns]),
    ntpServers: new Set([...(policy.ntpServers.length > 0 ? policy.ntpServers : policy.gatewayAddresses), ...services.ntp]),
    controllers: policy.controllers,
    myControllers: policy.myControllers[mudUrl] ?? [],
  };
  const { entries, rare } = learnedEntries(ev.rules.values(), ctx, {
    minFlows: o.minFlows ?? TAIL_DEFAULTS.minFlows, tailAfter: o.tailAfter ?? TAIL_DEFAULTS.tailAfter,
  });
  const kept = o.includeRare ? entries : entries.filter((e) => !e.rare);
  nameEntries(kept);
  const span = ev.startTs >= 0 ? (ev.lastTs - ev.startTs) / 1e6 : 0;
  const windowText = formatDuration(inp.windowSeconds > 0 ? inp.windowSeconds : span);
  const doc = mudDocument({
    mudUrl,
    lastUpdate: isoTime(o.nowTs ?? Math.max(inp.lastTs, ev.lastTs, 0)),
    systeminfo: `learned by edgeward from ${ev.flows} flows in ${windowText}`.slice(0, 60),
    cacheValidity: CACHE_VALIDITY_HOURS,
  }, kept);
  const parsed = parseMud(JSON.stringify(doc));
  const profile = parsed.ok ? parsed.profile : null;

  const sum = (xs: readonly LearnedEntry[]): number => xs.reduce((n, e) => n + e.flows, 0);
  const internet = entries.filter((e) => e.peer.kind === 'name' || e.peer.kind === 'address');
  const named = new Set(internet.filter((e) => e.peer.kind === 'name').map((e) => peerClassText(e.peer)));
  const unnamed = unnamedPeers(entries);
  const lanHosts = new Set<string>();
  for (const r of ev.rules.values()) if (r.peer.kind === 'lan') lanHosts.add(r.peer.address);

  const report: LearnReport = {
    device: ev.mac,
    vendor: device?.vendor ?? null,
    hostname: device?.hostname ?? null,
    mudUrl,
    mudUrlSource,
    announcedMudUrl: device?.mudUrl ?? null,
    window: {
      firstFlow: ev.startTs >= 0 ? isoTime(ev.startTs) : null,
      lastFlow: ev.lastTs >= 0 ? isoTime(ev.lastTs) : null,
      limitSeconds: inp.windowSeconds > 0 ? inp.windowSeconds : null,
    },
    flows: {
      learned: ev.flows, inProfile: sum(kept), rareLeftOut: o.includeRare ? 0 : sum(entries.filter((e) => e.rare)),
      afterWindow: ev.afterWindow, overCap: ev.overCap,
    },
    destinations: { internet: named.size + unnamed.length, named: named.size, unnamed: unnamed.length, lanHosts: lanHosts.size },
    aces: profile ? profile.acls.reduce((n, a) => n + a.aces.length, 0) : 0,
    entries: kept.map((e) => reportEntry(e, profile)),
    unnamed,
    rare,
    services: { dhcp: [...services.dhcp], dns: [...services.dns], ntp: [...services.ntp] },
    replayConfig: replayConfig(kept, policy, gw, mudUrl),
    validation: {
      accepted: parsed.ok,
      warnings: parsed.warnings.map(formatIssue),
      errors: parsed.ok ? [] : parsed.errors.map(formatIssue),
    },
  };
  return { mud: doc, report };
}

function reportEntry(e: LearnedEntry, profile: MudProfile | null): ReportEntry {
  const opener = e.deviceIsClient ? 'from-device' : 'to-device';
  const names = [`${e.id}-frdev`, `${e.id}-todev`];
  const aces = profile ? names.filter((n) => profile.acls.some((a) => a.aces.some((x) => x.name === n))) : names;
  const own = `${e.id}-${opener === 'from-device' ? 'frdev' : 'todev'}`;
  const ace = profile?.acls.flatMap((a) => a.aces).find((x) => x.name === own);
  return {
    aces,
    text: ace ? describeAce(ace, opener) : `${serviceText(e.proto, e.port, e.icmpType)} ${peerClassText(e.peer)}`,
    family: e.family,
    flows: e.flows, bytes: e.bytes, midstream: e.midstream, addresses: e.addresses, serverName: e.serverName, rare: e.rare,
  };
}

/** Internet peers kept by address, with their flows and services. */
function unnamedPeers(entries: readonly LearnedEntry[]): UnnamedPeer[] {
  const by = new Map<string, UnnamedPeer>();
  for (const e of entries) {
    if (e.peer.kind !== 'address') continue;
    let u = by.get(e.peer.address);
    if (u === undefined) by.set(e.peer.address, (u = { address: e.peer.address, flows: 0, services: [], serverName: null }));
    u.flows += e.flows;
    u.services.push(serviceText(e.proto, e.port, e.icmpType));
    u.serverName ??= e.serverName;
  }
  return [...by.values()].sort((a, b) => b.flows - a.flows || (a.address < b.address ? -1 : 1));
}

/**
 * The policy config under which the profile's class rules match what was learned: the gateway (the
 * DHCP server, or as configured), the DNS/NTP servers when they are not the gateway, and the
 * configured controllers the profile names.
 */
function replayConfig(kept: readonly LearnedEntry[], policy: LearnerOptions['policy'], gw: readonly string[], mudUrl: string): LearnReport['replayConfig'] {
  const used = (service: 'dns' | 'ntp'): string[] =>
    uniq(kept.flatMap((e) => (e.peer.kind === 'service' && e.peer.service === service ? e.addresses : [])));
  const dns = used('dns');
  const ntp = used('ntp');
  const controllers: Record<string, string[]> = {};
  for (const e of kept) if (e.peer.kind === 'controller') controllers[e.peer.uri] = [...(policy.controllers[e.peer.uri] ?? [])];
  const myController = kept.some((e) => e.peer.kind === 'my-controller');
  if (dns.length === 0 && ntp.length === 0 && Object.keys(controllers).length === 0 && !myController) return null;
  const out: NonNullable<LearnReport['replayConfig']>['policy'] = {};
  if (Object.keys(controllers).length > 0) out.controllers = controllers;
  if (myController) out.myControllers = { [mudUrl]: [...(policy.myControllers[mudUrl] ?? [])] };
  if (dns.length === 0 && ntp.length === 0) return { policy: out };
  if (gw.length > 0) out.gatewayAddresses = [...gw];
  // As the policy layer reads them: dnsServers/ntpServers when set, else the gateway addresses.
  const dnsMembers = policy.dnsServers.length > 0 ? policy.dnsServers : gw;
  if (!dns.every((a) => dnsMembers.includes(a))) out.dnsServers = uniq([...dnsMembers, ...dns]);
  const ntpMembers = policy.ntpServers.length > 0 ? policy.ntpServers : gw;
  if (!ntp.every((a) => ntpMembers.includes(a))) out.ntpServers = uniq([...ntpMembers, ...ntp]);
  return { policy: out };
}
