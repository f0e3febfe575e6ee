// The report that comes with a learned profile: what it was learned from, each rule with its
// flows and bytes, the internet peers kept as bare addresses, the rare destinations left out, and
// the addresses the IANA URNs stand for. JSON for tools, text for the operator's terminal.
import type { LearnedEntry, RareDestination } from './learned-entries.js';
import { formatDuration } from '../common/duration.js';

/** One rule of the profile in the report: the entry's figures, with its ACE names and text. */
export type ReportEntry = Pick<LearnedEntry, 'family' | 'flows' | 'bytes' | 'midstream' | 'addresses' | 'serverName' | 'rare'> & {
  /** Its ACEs (`cl0-frdev`, `cl0-todev`). */
  aces: string[];
  /** The ACE in the opener's direction, as a sentence (describeAce). */
  text: string;
};

/** An internet peer no DNS answer named before the flow: kept as its address. */
export interface UnnamedPeer {
  address: string;
  flows: number;
  services: string[];
  /** A TLS SNI or HTTP Host seen on its flows, a hint at what it is. */
  serverName: string | null;
}

/** The report of one learned profile. */
export interface LearnReport {
  device: string;
  vendor: string | null;
  hostname: string | null;
  mudUrl: string;
  /** Where the mud-url came from: the caller, the device's own announcement, or a placeholder. */
  mudUrlSource: 'given' | 'announced' | 'placeholder';
  /** The MUD URL the device announced (DHCP option 161, DHCPv6, LLDP), used unless it is not https. */
  announcedMudUrl: string | null;
  window: { firstFlow: string | null; lastFlow: string | null; limitSeconds: number | null };
  flows: {
    /** Flows learned (inside the window, under the caps). */
    learned: number;
    /** Flows behind the profile's rules (learned minus those of rare destinations left out). */
    inProfile: number;
    /** Flows to rare destinations left out of the profile. */
    rareLeftOut: number;
    afterWindow: number;
    overCap: number;
  };
  destinations: { internet: number; named: number; unnamed: number; lanHosts: number };
  /** ACEs in the profile. */
  aces: number;
  /** The profile's rules, in profile order (with includeRare, the rare ones too, flagged). */
  entries: ReportEntry[];
  /** Internet peers kept by address (rare ones included), most flows first. */
  unnamed: UnnamedPeer[];
  /** The long tail: destinations met in fewer than minFlows flows when there were more than tailAfter. */
  rare: RareDestination[];
  /** LAN hosts seen answering DHCP, DNS and NTP. */
  services: { dhcp: string[]; dns: string[]; ntp: string[] };
  /**
   * The `policy` config the profile's class rules (DNS/NTP URNs, controllers) need to match on this
   * network (for the daemon, or `edgeward replay --config`); null when the profile uses none.
   */
  replayConfig: {
    policy: {
      gatewayAddresses?: string[]; dnsServers?: string[]; ntpServers?: string[];
      controllers?: Record<string, string[]>; myControllers?: Record<string, string[]>;
    };
  } | null;
  /** The profile checked by the project's own parser. */
  validation: { accepted: boolean; warnings: string[]; errors: string[] };
}

/** The report as text for a terminal. */
export function reportText(r: LearnReport): string {
  const lines: string[] = [];
  const span = r.window.firstFlow !== null && r.window.lastFlow !== null
    ? `${r.window.firstFlow} .. ${r.window.lastFlow}${r.window.limitSeconds !== null ? ` (window ${formatDuration(r.window.limitSeconds)})` : ''}`
    : 'no flows';
  lines.push(`device ${r.device}${r.vendor ? ` (${r.vendor})` : ''}${r.hostname ? ` ${r.hostname}` : ''}: ${span}`);
  lines.push(`mud-url ${r.mudUrl} (${r.mudUrlSource})${r.announcedMudUrl !== null && r.announcedMudUrl !== r.mudUrl ? `; the device announced ${r.announcedMudUrl}` : ''}`);
  const f = r.flows;
  lines.push(`flows: ${f.learned} learned, ${f.inProfile} in the profile, ${f.rareLeftOut} to rare destinations left out, ${f.afterWindow} after the window, ${f.overCap} over the caps`);
  const d = r.destinations;
  lines.push(`destinations: ${d.internet} internet (${d.named} by DNS name, ${d.unnamed} by address), ${d.lanHosts} LAN hosts`);
  lines.push(`rules: ${r.entries.length}, ACEs: ${r.aces}`);
  for (const e of r.entries) {
    lines.push(`  ${e.aces[0]!.replace(/-(frdev|todev)$/, '').padEnd(7)} ipv${e.family} ${String(e.flows).padStart(5)} flows ${String(e.bytes).padStart(9)} B  ${e.text}${e.midstream ? `  (${e.midstream} joined mid-flow)` : ''}`);
  }
  if (r.unnamed.length > 0) {
    lines.push(`no name (no DNS answer before the flow; kept as the address):`);
    for (const u of r.unnamed) lines.push(`  ${u.address}  ${u.flows} flows  ${u.services.join(', ')}${u.serverName ? `  (server name ${u.serverName})` : ''}`);
  }
  if (r.rare.length > 0) {
    lines.push(`rare destinations (${r.rare.length}, ${r.flows.rareLeftOut > 0 ? 'left out; --include-rare adds them' : 'included'}):`);
    for (const x of r.rare) lines.push(`  ${x.peer}  ${x.flows} flow${x.flows === 1 ? '' : 's'}  ${x.services.join(', ')}${x.named ? `  [${x.addresses.join(', ')}]` : ''}`);
  }
  const s = r.services;
  if (s.dhcp.length + s.dns.length + s.ntp.length > 0) lines.push(`network services seen: DHCP ${s.dhcp.join(', ') || '-'}; DNS ${s.dns.join(', ') || '-'}; NTP ${s.ntp.join(', ') || '-'}`);
  if (r.replayConfig !== null) lines.push(`the URN rules stand for this config (policy section): ${JSON.stringify(r.replayConfig)}`);
  if (!r.validation.accepted || r.validation.warnings.length > 0) {
    for (const w of [...r.validation.errors, ...r.validation.warnings]) lines.push(`validation: ${w}`);
  }
  return lines.join('\n') + '\n';
}
