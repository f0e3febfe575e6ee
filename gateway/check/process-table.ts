// Processes as /proc shows them (proc(5)): name, user ids and effective capabilities of one
// process, the processes living in one network namespace, and the running edgeward daemon.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { nsInode } from './probe-runner.js';

/** Who a process runs as. */
export interface ProcessIdentity {
  pid: number;
  /** `comm` (at most 15 characters). */
  name: string;
  /** Real, effective, saved and filesystem user ids (the `Uid:` line of /proc/PID/status). */
  uids: [number, number, number, number];
  /** Effective capability mask (`CapEff:`). */
  capEff: bigint;
}

/** Capability numbers of linux/capability.h the evidence names. */
const CAP_NAMES: [number, string][] = [[12, 'cap_net_admin'], [13, 'cap_net_raw'], [10, 'cap_net_bind_service'], [21, 'cap_sys_admin'], [1, 'cap_dac_override']];

/** Reads /proc/PID/status; null when the process does not exist (or is gone). */
export function processIdentity(pid: number): ProcessIdentity | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const line = (k: string): string => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '';
  const uids = line('Uid').split(/\s+/).map(Number);
  if (uids.length < 4 || uids.some((u) => !Number.isInteger(u))) return null;
  let capEff: bigint;
  try {
    capEff = BigInt(`0x${line('CapEff') || '0'}`);
  } catch {
    capEff = 0n;
  }
  return { pid, name: line('Name'), uids: uids.slice(0, 4) as ProcessIdentity['uids'], capEff };
}

/** The names of the notable capabilities in a mask (`cap_net_admin, cap_net_raw`). */
export function capabilityNames(mask: bigint): string[] {
  return CAP_NAMES.filter(([bit]) => (mask >> BigInt(bit)) & 1n).map(([, n]) => n);
}

/** A user's name from /etc/passwd, or null. */
export function userName(uid: number): string | null {
  try {
    for (const l of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = l.split(':');
      if (f.length >= 3 && Number(f[2]) === uid) return f[0]!;
    }
  } catch {
    // no passwd file: ids only
  }
  return null;
}

/** A process seen in /proc. */
export interface ProcessEntry {
  pid: number;
  name: string;
}

/**
 * Processes whose network namespace has inode `netnsIno`, with how many could not be looked at
 * (another user's namespace link is unreadable without root).
 */
export function processesInNetns(netnsIno: number): { processes: ProcessEntry[]; unreadable: number } {
  const processes: ProcessEntry[] = [];
  let unreadable = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (nsInode(readlinkSync(`/proc/${d}/ns/net`)) !== netnsIno) continue;
      processes.push({ pid: Number(d), name: readFileSync(`/proc/${d}/comm`, 'utf8').trim() });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EACCES' || (e as NodeJS.ErrnoException).code === 'EPERM') unreadable++;
    }
  }
  return { processes, unreadable };
}

/**
 * The pids of running edgeward daemons (`edgeward start`, or `node …/gateway/cli/main.js start`),
 * this process excluded.
 */
export function findDaemonPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const i = argv.findIndex((a) => basename(a) === 'edgeward' || /gateway\/cli\/main\.js$/.test(a));
    if (i >= 0 && argv[i + 1] === 'start') out.push(Number(d));
  }
  return out;
}
