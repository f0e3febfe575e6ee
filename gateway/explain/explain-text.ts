// The explainer's report for people: per device its totals, a table of the profile's ACEs with the
// flows and bytes each allowed (never-used ones marked), and the denied flows grouped by peer,
// nearest ACE and what differed, so a scan or a brute force is one line with a count.
import { differenceText } from '../../policies/index.js';
import type { DeniedFlow, DeviceExplanation, ExplainReport, ExplainedDifference } from './explain-report.js';

const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** `hh:mm:ss.mmm` of an ISO-8601 time (the date is in the report's header). */
const clock = (iso: string): string => iso.slice(11, 23);

/** Up to five values, then how many more. */
function compact(values: readonly string[]): string {
  const shown = values.slice(0, 5).join(', ');
  return values.length > 5 ? `${shown}, … (${values.length} in all)` : shown;
}

interface Group {
  first: DeniedFlow;
  count: number;
  /** Distinct `have` values per difference code, in order of appearance. */
  haves: Map<string, string[]>;
  /** Distinct ports on the device's side of an inbound flow, or the peer's of an outbound one. */
  ports: string[];
}

function groupDenied(denied: readonly DeniedFlow[]): Group[] {
  const groups = new Map<string, Group>();
  for (const d of denied) {
    const codes = d.differences.map((x) => `${x.code}=${x.want}`).join(',');
    // Outbound, each destination port is a finding of its own; inbound, one peer is one (a scan, a brute force).
    const asked = d.direction === 'from-device' ? String(d.peerPort) : '';
    const key = [d.direction, d.flow.proto, d.peer, asked, d.acl, d.nearest?.ace ?? '', d.deniedBy, codes].join('|');
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { first: d, count: 0, haves: new Map(), ports: [] }));
    g.count++;
    for (const x of d.differences) {
      let l = g.haves.get(x.code);
      if (l === undefined) g.haves.set(x.code, (l = []));
      if (!l.includes(x.have)) l.push(x.have);
    }
    // Outbound, the peer's port says what was asked for; inbound, the device's port does (the peer's is ephemeral).
    const devA = d.flow.src !== d.peer;
    const port = d.direction === 'from-device' ? d.peerPort : devA ? d.flow.sport : d.flow.dport;
    const p = port === null ? '-' : String(port);
    if (!g.ports.includes(p)) g.ports.push(p);
  }
  return [...groups.values()];
}

function groupDifferences(g: Group): string {
  const f = g.first;
  if (f.deniedBy !== 'implicit-deny') return `matched ${f.deniedBy} ACE`;
  if (f.nearest === null) return 'no enabled ACE in this direction';
  return f.differences.map((d: ExplainedDifference) => differenceText({ ...d, have: compact(g.haves.get(d.code) ?? [d.have]) })).join('; ');
}

function deviceText(d: DeviceExplanation): string[] {
  const t = d.totals;
  const lines = [
    `${d.mac}  ${d.profile}${d.file ? `  (${d.file})` : ''}${d.seen ? '' : '  — not seen in the capture'}`,
    `  flows ${t.flows} (${t.bytes} bytes): allowed ${t.allowed.flows} (${t.allowed.bytes} B), denied ${t.denied.flows} (${t.denied.bytes} B), no verdict ${t.unjudged.flows} (${t.unjudged.bytes} B)`,
    '',
  ];
  const w = Math.max(12, ...d.aces.map((a) => a.ace.length + 2));
  lines.push(`  ${pad('ACE', w)} ${lpad('flows', 6)} ${lpad('bytes', 10)}  what it says`);
  let acl = '';
  for (const a of d.aces) {
    const head = `${a.direction} ${a.acl}`;
    if (head !== acl) { lines.push(`  ${head}`); acl = head; }
    const unused = a.flows === 0 && a.deniedFlows === 0;
    const flows = a.action === 'accept' || a.action === 'emergency' ? (unused ? '-' : String(a.flows)) : `${a.deniedFlows} denied`;
    const notes = [unused && a.inProfile ? 'never used' : '', a.enabled ? '' : 'disabled: a match edgeward cannot enforce'].filter((x) => x !== '');
    lines.push(`    ${pad(a.ace, w - 2)} ${lpad(flows, 6)} ${lpad(unused ? '-' : String(a.bytes), 10)}  ${a.text}${notes.length ? `  [${notes.join('; ')}]` : ''}`);
  }
  const inProfile = d.aces.filter((a) => a.inProfile).length;
  lines.push(`  never used in the window: ${d.unused.length} of ${inProfile} ACEs`, '');
  if (t.denied.flows > 0) {
    const groups = groupDenied(d.denied);
    lines.push(`  denied flows: ${t.denied.flows}${d.deniedOmitted > 0 ? ` (${d.deniedOmitted} not listed)` : ''}, in ${groups.length} group${groups.length === 1 ? '' : 's'}`);
    lines.push(`    ${pad('first', 12)} ${lpad('n', 4)}  ${pad('dir', 3)} ${pad('proto', 5)} ${pad('peer', 28)} ${pad('ports', 14)} ${pad('nearest ACE', 24)} what differed`);
    for (const g of groups) {
      const f = g.first;
      const peer = f.peerNames.length > 0 ? `${f.peer} (${f.peerNames[0]}${f.peerNames.length > 1 ? ', …' : ''})` : f.peer;
      const ports = `${f.direction === 'from-device' ? '→' : 'dev '}${compact(g.ports)}`;
      lines.push(`    ${pad(clock(f.flow.firstTs), 12)} ${lpad(String(g.count), 4)}  ${f.direction === 'from-device' ? 'out' : 'in '} ${pad(f.flow.proto, 5)} ${pad(peer, 28)} ${pad(ports, 14)} ${pad(f.nearest?.ace ?? '-', 24)} ${groupDifferences(g)}`);
    }
    lines.push('');
  }
  if (t.unjudged.flows > 0) {
    const r = d.unjudged.byReason;
    lines.push(`  no verdict: ${t.unjudged.flows} flows (link control ${r['link-control'].flows}, not judged ${r['not-judged'].flows})`);
    for (const f of d.unjudged.sample) lines.push(`    ${clock(f.firstTs)}  ${f.proto} ${f.src}${f.sport !== null ? ':' + f.sport : ''} → ${f.dst}${f.dport !== null ? ':' + f.dport : ''}  ${f.packets} pkts`);
    lines.push('');
  }
  return lines;
}

/** The report as text, one block a device. */
export function explainText(r: ExplainReport, source: string): string {
  const win = r.window.from === null && r.window.to === null ? 'the whole capture' : `flows that began in [${r.window.from ?? '…'}, ${r.window.to ?? '…'})`;
  const span = r.span.first !== null ? `; flows began ${r.span.first} .. ${r.span.last} (times below are UTC)` : '';
  const lines = [`${source}: MUD verdicts explained, ${win}${span}`, ''];
  if (r.devices.length === 0) lines.push('no device is held to a MUD profile (give --bind MAC=FILE or --profiles DIR)');
  for (const d of r.devices) lines.push(...deviceText(d));
  return lines.join('\n').replace(/\n+$/, '') + '\n';
}
