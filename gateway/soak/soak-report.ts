// Text of the soak's report: the header, one line per sample, and the summary with the verdicts.
import type { SoakSample } from './soak-sample.js';
import { RATE_TOLERANCE, RSS_TOLERANCE, type ResolvedSoakOptions, type SoakResult } from './soak-run.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const f1 = (n: number) => n.toFixed(1);

/** What is about to run. */
export function soakHeader(o: ResolvedSoakOptions, detectors: number): string {
  const length = o.seconds % 60 === 0 ? `${o.seconds / 60} min` : `${o.seconds} s`;
  return `edgeward soak: ${length} at ${int(o.rate)} packets/s, ${int(o.devices)} devices (${f1(o.joinsPerSecond)} joins/s, inventory cap ${int(o.maxDevices)}), ` +
    `${o.bulkFlows} bulk streams, ${int(o.servers)} servers, seed ${o.seed}, ${detectors} detectors, a sample every ${o.intervalSeconds} s\n`;
}

const COLUMNS: [string, number][] = [
  ['n', 3], ['packets', 12], ['pkt/s', 8], ['RSS MiB', 8], ['heap', 7], ['live', 6], ['ext', 6], ['flows', 8], ['devices', 8],
  ['dns names', 10], ['alerts open/total', 18], ['det.state', 10], ['lag p50/p99/max ms', 19], ['cpu %', 6],
];

/** Column titles, aligned with sampleLine. */
export function tableHeader(): string {
  return COLUMNS.map(([t, w]) => t.padStart(w)).join(' ') + '\n';
}

/** One sample as a table row. */
export function sampleLine(s: SoakSample): string {
  const cells = [
    String(s.index), int(s.packets), int(s.ratePps), f1(s.rssMiB), f1(s.heapUsedMiB), s.liveHeapMiB === null ? '-' : f1(s.liveHeapMiB), f1(s.externalMiB), int(s.flows), int(s.devices),
    int(s.dnsNames), `${int(s.alertsOpen)}/${int(s.alertsTotal)}`, int(s.detectorState), `${f1(s.lagP50Ms)}/${f1(s.lagP99Ms)}/${f1(s.lagMaxMs)}`, String(s.cpuPercent),
  ];
  return cells.map((c, i) => c.padStart(COLUMNS[i]![1])).join(' ') + '\n';
}

/** The closing summary and verdict lines. */
export function soakSummary(r: SoakResult): string {
  const v = r.verdict, t = r.traffic, last = r.samples[r.samples.length - 1];
  const lines = [
    `packets ${int(t.packets)} (${int(t.bytes / 1e6)} MB), achieved ${int(v.achievedRate)} packets/s of ${int(r.options.rate)} ` +
      `(${v.rateOk ? 'ok' : `more than ${RATE_TOLERANCE * 100} % short`})`,
    `traffic: ${int(t.httpsSessions)} HTTPS and ${int(t.httpSessions)} HTTP sessions, ${int(t.bulkOpened)} bulk streams opened (${int(t.bulkEnded)} ended), ` +
      `${int(t.dnsLookups)} DNS lookups, ${int(t.udpExchanges)} UDP exchanges, ${int(t.pings)} pings, ${int(t.joins)} DHCP joins (${int(t.departures)} devices replaced)`,
  ];
  if (last) {
    lines.push(
      `flows: ${int(last.flowsCreated)} created, ${int(last.flowsEnded)} ended, ${int(last.flowsEvicted)} evicted at the cap, peak ${int(r.flowsPeak)} live; ` +
        `devices: ${int(last.devicesEvicted)} evicted; DNS: ${int(last.dnsEvicted)} names evicted; decode errors ${int(last.decodeErrors)}`,
    );
  }
  const state = Object.entries(r.detectorState).map(([k, n]) => `${k} ${int(n)}`).join(', ');
  lines.push(`detector state at the end: ${state || 'none'}`);
  if (v.rssRatio === null) {
    lines.push(`memory: too short to judge (needs more than ${r.options.referenceSample} samples)`);
  } else {
    const pct = (v.rssRatio - 1) * 100;
    lines.push(
      `RSS at sample ${r.options.referenceSample} ${f1(v.referenceRssMiB!)} MiB, at sample ${last.index} ${f1(v.lastRssMiB)} MiB: ` +
        `${pct >= 0 ? '+' : ''}${pct.toFixed(1)} % → ${v.memoryLevelsOff ? 'memory levels off' : `memory does NOT level off (more than ${RSS_TOLERANCE * 100} % above)`}`,
    );
  }
  lines.push(v.ok ? 'verdict: ok' : 'verdict: FAILED');
  return lines.join('\n') + '\n';
}
