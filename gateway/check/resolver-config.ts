// Whether a local DNS resolver filters: reads the configuration of dnsmasq (`address=/name/` to a
// sink, blocklist hosts files), unbound (deny-type `local-zone`s, `local-data` to a sink, RPZ),
// Pi-hole (its gravity database) and BIND (response-policy zones), where they usually live or where
// the running process's command line says.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { ProbeRunner } from './probe-runner.js';

/** What was found about one resolver: filtering true/false, or null when it cannot be told. */
export interface ResolverFinding {
  name: string;
  pid: number | null;
  filtering: boolean | null;
  evidence: string[];
}

/** Addresses a blocklist answers with (a sink), and the empty answer (NXDOMAIN). */
const SINKS = new Set(['', '0.0.0.0', '::', '127.0.0.1', '::1', '#']);
/** unbound local-zone types that refuse or blank a name (unbound.conf(5)). */
const DENY_ZONES = new Set(['deny', 'refuse', 'always_refuse', 'always_nxdomain', 'always_null', 'always_deny', 'inform_deny']);
/** Files read per resolver, at most (include loops, huge conf dirs). */
const MAX_FILES = 256;
/** Resolvers that can filter but whose configuration this check does not read. */
const UNREAD = new Set(['AdGuardHome', 'blocky', 'coredns', 'kresd', 'knot-resolver', 'pdns_recursor', 'technitium']);

/** The process's arguments from /proc/PID/cmdline (empty when unreadable). */
function cmdline(pid: number | null): string[] {
  if (pid === null) return [];
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return [];
  }
}

/** Values of a long (`--name=V`, `--name V`) or short (`-X V`, `-XV`) option. */
function optionValues(argv: string[], long: string, short: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (long !== '' && a.startsWith(`--${long}=`)) out.push(a.slice(long.length + 3));
    else if ((long !== '' && a === `--${long}`) || (short !== '' && a === `-${short}`)) { if (i + 1 < argv.length) out.push(argv[++i]!); }
    else if (short !== '' && a.startsWith(`-${short}`) && !a.startsWith('--')) out.push(a.slice(2));
  }
  return out;
}

/** Files of a directory (sorted), or [path] when it is a file. */
function filesOf(probe: ProbeRunner, p: string, exts: string[] = []): string[] {
  try {
    const real = probe.path(p);
    if (!statSync(real).isDirectory()) return [p];
    return readdirSync(real).sort()
      .filter((f) => !f.startsWith('.') && !/(~|\.dpkg-.*|\.bak|\.orig)$/.test(f) && (exts.length === 0 || exts.some((e) => f.endsWith(e))))
      .map((f) => join(p, f));
  } catch {
    return [];
  }
}

/**
 * Reads each file of `queue` once, up to MAX_FILES, handing its text and path to `onText`, which may
 * add included files to the queue. Returns the files read.
 */
function readEach(probe: ProbeRunner, queue: string[], onText: (text: string, file: string) => void): string[] {
  const read: string[] = [];
  for (let i = 0; i < queue.length && read.length < MAX_FILES; i++) {
    const f = queue[i]!;
    if (read.includes(f)) continue;
    const text = probe.readText(f);
    if (text === null) continue;
    read.push(f);
    onText(text, f);
  }
  return read;
}

/** Lines of a hosts-format file that point a name to a sink. */
function sinkHosts(text: string): number {
  let n = 0;
  for (const line of text.split('\n')) {
    const f = line.replace(/#.*/, '').trim().split(/\s+/);
    if (f.length >= 2 && SINKS.has(f[0]!) && !/^(localhost|ip6-|broadcasthost|local$)/.test(f[1]!)) n += f.length - 1;
  }
  return n;
}

/** dnsmasq(8): config from -C (default /etc/dnsmasq.conf), conf-file/conf-dir/addn-hosts/address lines. */
function dnsmasq(probe: ProbeRunner, pid: number | null): ResolverFinding {
  const argv = cmdline(pid);
  const evidence: string[] = [];
  const queue: string[] = optionValues(argv, 'conf-file', 'C');
  if (queue.length === 0) queue.push('/etc/dnsmasq.conf');
  for (const d of optionValues(argv, 'conf-dir', '7')) {
    const [dir = '', ...exts] = d.split(',');
    queue.push(...filesOf(probe, dir, exts.filter((e) => e.startsWith('*')).map((e) => e.slice(1))));
  }
  const hostsFiles = [...optionValues(argv, 'addn-hosts', 'H'), ...optionValues(argv, 'hostsdir', '')];
  const lines: string[] = [...optionValues(argv, 'address', 'A').map((v) => `address=${v}`)];
  const read = readEach(probe, queue, (text) => {
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line.startsWith('#') || line === '') continue;
      const eq = line.indexOf('=');
      const key = eq < 0 ? line : line.slice(0, eq).trim();
      const val = eq < 0 ? '' : line.slice(eq + 1).trim();
      if (key === 'conf-file') queue.push(val);
      else if (key === 'conf-dir') {
        const [dir = '', ...exts] = val.split(',');
        queue.push(...filesOf(probe, dir, exts.filter((e) => e.startsWith('*')).map((e) => e.slice(1))));
      } else if (key === 'addn-hosts' || key === 'hostsdir') hostsFiles.push(val);
      else if (key === 'address') lines.push(line);
    }
  });
  let names = 0;
  for (const l of lines) {
    // address=/name1/name2/ANSWER: every name gets that answer; a sink or nothing blocks them.
    const parts = l.slice('address='.length).split('/');
    if (parts.length < 3 || !SINKS.has(parts[parts.length - 1]!.trim())) continue;
    names += parts.slice(1, -1).filter((n) => n.includes('.') && n !== '#').length;
  }
  let hostsNames = 0;
  for (const h of hostsFiles) for (const f of filesOf(probe, h)) {
    const text = probe.readText(f, 256 * 1024 * 1024);
    if (text !== null) hostsNames += sinkHosts(text);
  }
  if (read.length === 0) {
    evidence.push(`dnsmasq${pid !== null ? ` (pid ${pid})` : ''}: no configuration file readable (${queue.slice(0, 3).join(', ')})`);
    return { name: 'dnsmasq', pid, filtering: null, evidence };
  }
  evidence.push(`dnsmasq${pid !== null ? ` (pid ${pid})` : ''}: read ${read.length} configuration file(s) (${read.slice(0, 3).join(', ')}${read.length > 3 ? ', …' : ''}): ` +
    `${names} names answered with a sink by address=, ${hostsNames} in blocklist hosts files`);
  return { name: 'dnsmasq', pid, filtering: names + hostsNames > 0, evidence };
}

/** unbound.conf(5): deny-type local-zones, local-data to a sink, rpz: clauses, following include:. */
function unbound(probe: ProbeRunner, pid: number | null): ResolverFinding {
  const queue = optionValues(cmdline(pid), '', 'c');
  if (queue.length === 0) queue.push('/etc/unbound/unbound.conf');
  let zones = 0;
  let sinkData = 0;
  let rpz = 0;
  const read = readEach(probe, queue, (text, f) => {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      let m = /^include(?:-toplevel)?:\s*"?([^"]+)"?/.exec(line);
      if (m) { queue.push(...globFiles(probe, m[1]!.startsWith('/') ? m[1]! : join(dirname(f), m[1]!))); continue; }
      m = /^local-zone:\s*"?([^"\s]+)"?\s+(\S+)/.exec(line);
      if (m && DENY_ZONES.has(m[2]!)) { zones++; continue; }
      m = /^local-data:\s*"([^"]+)"/.exec(line);
      if (m) {
        const f2 = m[1]!.trim().split(/\s+/);
        if (SINKS.has(f2[f2.length - 1]!)) sinkData++;
        continue;
      }
      if (/^rpz:/.test(line)) rpz++;
    }
  });
  if (read.length === 0) return { name: 'unbound', pid, filtering: null, evidence: [`unbound${pid !== null ? ` (pid ${pid})` : ''}: no configuration file readable (${queue[0]})`] };
  return {
    name: 'unbound', pid, filtering: zones + sinkData + rpz > 0,
    evidence: [`unbound${pid !== null ? ` (pid ${pid})` : ''}: read ${read.length} configuration file(s): ${zones} deny-type local-zones, ${sinkData} local-data to a sink, ${rpz} rpz clauses`],
  };
}

/** `dir/*.conf`-style include: the matching files (only `*` in the last part). */
function globFiles(probe: ProbeRunner, pattern: string): string[] {
  if (!pattern.includes('*')) return [pattern];
  const dir = dirname(pattern);
  const re = new RegExp(`^${pattern.slice(dir.length + 1).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return filesOf(probe, dir).filter((f) => re.test(f.slice(dir.length + 1)));
}

/** Pi-hole: blocking not switched off in setupVars.conf, and domains in gravity.db. */
function pihole(probe: ProbeRunner, pid: number | null): ResolverFinding {
  const evidence: string[] = [];
  const setup = probe.readText('/etc/pihole/setupVars.conf') ?? '';
  if (/^BLOCKING_ENABLED=false/m.test(setup)) {
    return { name: 'pihole-FTL', pid, filtering: false, evidence: ['pihole-FTL: BLOCKING_ENABLED=false in /etc/pihole/setupVars.conf'] };
  }
  const dbPath = probe.path('/etc/pihole/gravity.db');
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT COUNT(*) AS n FROM gravity').get() as { n: number };
      evidence.push(`pihole-FTL${pid !== null ? ` (pid ${pid})` : ''}: ${row.n} domains in /etc/pihole/gravity.db`);
      return { name: 'pihole-FTL', pid, filtering: row.n > 0, evidence };
    } finally {
      db.close();
    }
  } catch (e) {
    evidence.push(`pihole-FTL${pid !== null ? ` (pid ${pid})` : ''}: cannot read /etc/pihole/gravity.db (${(e as Error).message})`);
    return { name: 'pihole-FTL', pid, filtering: null, evidence };
  }
}

/** named.conf(5): a response-policy statement anywhere in the included files. */
function bind(probe: ProbeRunner, pid: number | null): ResolverFinding {
  const queue = optionValues(cmdline(pid), '', 'c');
  if (queue.length === 0) queue.push('/etc/bind/named.conf', '/etc/named.conf');
  let rpz = false;
  const read = readEach(probe, queue, (text) => {
    for (const m of text.matchAll(/^\s*include\s+"([^"]+)"/gm)) queue.push(m[1]!);
    if (/^\s*response-policy\s*\{/m.test(text)) rpz = true;
  });
  if (read.length === 0) return { name: 'named', pid, filtering: null, evidence: [`named: no configuration file readable (${queue[0]})`] };
  return { name: 'named', pid, filtering: rpz, evidence: [`named${pid !== null ? ` (pid ${pid})` : ''}: read ${read.length} file(s): ${rpz ? 'a response-policy zone is configured' : 'no response-policy zone'}`] };
}

/** Looks at a resolver by its process name (`comm`). */
export function inspectResolver(probe: ProbeRunner, name: string, pid: number | null): ResolverFinding {
  switch (name) {
    case 'dnsmasq': return dnsmasq(probe, pid);
    case 'unbound': return unbound(probe, pid);
    case 'pihole-FTL': return pihole(probe, pid);
    case 'named': return bind(probe, pid);
    default:
      return {
        name, pid, filtering: null,
        evidence: [`${name}${pid !== null ? ` (pid ${pid})` : ''} answers DNS; ${UNREAD.has(name) ? 'it can filter, but its configuration is not read by this check' : 'not a resolver this check knows'}`],
      };
  }
}
