// `dns.filtering`: names of malware, C&C and phishing hosts are filtered, by edgeward's own
// blocklists (`detect.intel.lists` with domain entries: queries for them raise intel.blocklist) or by
// a local resolver that blocks (dnsmasq, unbound, Pi-hole, BIND with RPZ). With neither to be seen,
// the answer is unknown: the LAN may use a filtering resolver elsewhere.
import { INTEL_DEFAULTS, intel, type IntelConfig, type IntelDetector } from '../detect/detectors/intel-blocklist.js';
import type { PluginHost } from '../sensor/plugin.js';
import type { CheckContext } from './check-context.js';
import { checkResult, type CheckResult } from './check-result.js';
import { inspectResolver, type ResolverFinding } from './resolver-config.js';
import { describeListener } from './socket-listeners.js';

const FIX = 'Filter DNS: give edgeward a domain blocklist (detect: { intel: { lists: [/etc/edgeward/blocklist.txt] } }, one domain a line) ' +
  'or point the LAN at a resolver with blocklists (dnsmasq addn-hosts=/etc/dnsmasq.blocklist, unbound local-zone: "bad.example" always_nxdomain, Pi-hole), ' +
  'and hand that resolver out by DHCP.';

/** systemd-resolved's stub listeners serve the box itself, not the LAN. */
const STUB_ADDRESSES = new Set(['127.0.0.53', '127.0.0.54']);

/** The intel detector touches its host only when packets come; reading the lists needs none. */
const NO_HOST = {} as PluginHost;

/** Domain entries of edgeward's intel lists (0 when it is off or has none), with one evidence line a list. */
function edgewardDomains(ctx: CheckContext, evidence: string[]): number {
  const cfg = ctx.opts.config;
  if (cfg === undefined) { evidence.push('edgeward: no configuration given, its blocklists were not looked at (--config)'); return 0; }
  const over = (cfg.detect.intel ?? {}) as Partial<IntelConfig> & { enabled?: boolean };
  if (over.enabled === false) { evidence.push('edgeward: detect.intel.enabled is false'); return 0; }
  const lists = over.lists ?? [];
  if (lists.length === 0) { evidence.push('edgeward: detect.intel.lists is empty'); return 0; }
  try {
    const det = intel.create(NO_HOST, { ...INTEL_DEFAULTS, ...over }) as IntelDetector;
    let domains = 0;
    for (const s of det.status()) {
      domains += s.domains;
      evidence.push(`edgeward: blocklist ${s.file}: ${s.domains} domains, ${s.addresses + s.networks} addresses and networks${s.invalid > 0 ? `, ${s.invalid} invalid lines` : ''}`);
    }
    return domains;
  } catch (e) {
    evidence.push(`edgeward: ${(e as Error).message}`);
    return 0;
  }
}

/** Runs the item. */
export function checkDnsFiltering(ctx: CheckContext): CheckResult {
  const id = 'dns.filtering';
  const evidence: string[] = [];
  const domains = edgewardDomains(ctx, evidence);
  const findings: ResolverFinding[] = [];
  if (ctx.listeners.ok) {
    const dns = ctx.listeners.value.filter((l) => l.port === 53 && !STUB_ADDRESSES.has(l.address));
    const seen = new Set<string>();
    for (const l of dns) {
      if (l.processes.length === 0) {
        evidence.push(`ss: ${describeListener(l)} answers DNS, and ss cannot name the process (not root?)`);
        findings.push({ name: '?', pid: null, filtering: null, evidence: [] });
      }
      for (const p of l.processes) {
        const key = `${p.name} ${p.pid}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const f = inspectResolver(ctx.probe, p.name, p.pid);
        findings.push(f);
        evidence.push(`ss: ${describeListener(l)}`, ...f.evidence);
      }
    }
    if (dns.length === 0) evidence.push(`ss: no DNS resolver listens on port 53 in ${ctx.probe.where}`);
  } else {
    evidence.push(`cannot list sockets: ${ctx.listeners.why}`);
  }
  if (domains > 0 || findings.some((f) => f.filtering === true)) return checkResult(id, 'pass', evidence, FIX);
  // A resolver the LAN uses that demonstrably does not filter, and no edgeward list: off.
  if (findings.length > 0 && findings.every((f) => f.filtering === false)) return checkResult(id, 'fail', evidence, FIX);
  if (findings.length === 0) evidence.push('no filtering seen here; the LAN may still use a filtering resolver elsewhere (the ISP\'s, a DNS-over-HTTPS service)');
  return checkResult(id, 'unknown', evidence, FIX);
}
