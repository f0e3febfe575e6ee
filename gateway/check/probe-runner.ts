// Runs the check's probes (ip, nft, ss) in the current network namespace or, with a name, inside a
// named one through `ip netns exec`, and reads files as that namespace sees them (/etc/netns/NAME).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CheckError } from './check-result.js';

/** How a probe command ended. `status` is null when it could not start or was killed (timeout). */
export interface ProbeOutput {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run (`ENOENT`: the tool is not installed), or null. */
  error: string | null;
}

/** Deadline of one probe command, milliseconds. */
export const PROBE_TIMEOUT_MS = 5_000;
/** Output kept of one probe, bytes (a big ruleset is a few MB). */
const MAX_OUTPUT = 64 * 1024 * 1024;

/** Where the probes look: one network namespace, and the file tree the configs are read from. */
export class ProbeRunner {
  /**
   * @param netns a namespace under /run/netns, or undefined for the current one
   * @param fsRoot prefix of every configuration path read (tests point it at a temporary tree). Default '/'.
   * @param timeoutMs deadline of each command. Default {@link PROBE_TIMEOUT_MS}.
   */
  constructor(readonly netns: string | undefined, readonly fsRoot = '/', readonly timeoutMs = PROBE_TIMEOUT_MS) {
    if (netns !== undefined && (!/^[A-Za-z0-9_.-]+$/.test(netns) || !existsSync(`/run/netns/${netns}`))) {
      throw new CheckError('check.netns-unknown', `no network namespace ${netns} (ip netns list shows the names)`);
    }
  }

  /** Where the probes look, in words. */
  get where(): string {
    return this.netns === undefined ? 'this network namespace' : `network namespace ${this.netns}`;
  }

  /** Runs a command where the probes look; never throws. */
  run(cmd: string, args: string[]): Promise<ProbeOutput> {
    const [file, argv] = this.netns === undefined ? [cmd, args] : ['ip', ['netns', 'exec', this.netns, cmd, ...args]];
    return new Promise((resolve) => {
      execFile(file, argv, { encoding: 'utf8', timeout: this.timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
        if (err === null) { resolve({ status: 0, stdout, stderr, error: null }); return; }
        const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
        // `ip netns exec` reports a missing tool as its own failure: say it the same way.
        if (this.netns !== undefined && /^exec of .* failed: No such file or directory/m.test(stderr)) {
          resolve({ status: null, stdout, stderr, error: 'ENOENT' });
          return;
        }
        if (typeof e.code === 'number') { resolve({ status: e.code, stdout, stderr, error: null }); return; }
        resolve({ status: null, stdout, stderr, error: e.killed ? `timed out after ${this.timeoutMs} ms` : String(e.code ?? e.message) });
      });
    });
  }

  /**
   * The path a configuration file has as the probed namespace sees it: `ip netns exec` bind-mounts
   * /etc/netns/NAME/X over /etc/X, and everything is under {@link fsRoot}.
   */
  path(p: string): string {
    if (this.netns !== undefined && p.startsWith('/etc/')) {
      const over = join(this.fsRoot, '/etc/netns', this.netns, p.slice('/etc/'.length));
      if (existsSync(over)) return over;
    }
    return join(this.fsRoot, p);
  }

  /** A configuration file's text, or null when it cannot be read. */
  readText(p: string, maxBytes = 16 * 1024 * 1024): string | null {
    try {
      const path = this.path(p);
      if (statSync(path).size > maxBytes) return null;
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  }

  /** Inode of the probed network namespace, to tell which processes live in it; null if unreadable. */
  netnsInode(): number | null {
    try {
      if (this.netns !== undefined) return statSync(`/run/netns/${this.netns}`).ino;
      return nsInode(readlinkSync('/proc/self/ns/net'));
    } catch {
      return null;
    }
  }
}

/** The inode in a `net:[4026531840]` namespace link, or null. */
export function nsInode(link: string): number | null {
  const m = /\[(\d+)\]/.exec(link);
  return m ? Number(m[1]) : null;
}

/** One line on why a probe gave nothing usable: the tool is missing, denied, or failed. */
export function probeFailure(cmd: string, out: ProbeOutput): string {
  if (out.error === 'ENOENT') return `${cmd}: not installed`;
  if (out.error !== null) return `${cmd}: ${out.error}`;
  const msg = out.stderr.trim().split('\n')[0] ?? '';
  return `${cmd}: exit ${out.status}${msg ? `: ${msg}` : ''}`;
}
