// Runs one nft transaction: the script on stdin of `nft -f -` (optionally inside a network
// namespace), with a deadline; says which script lines nft refused, from its error messages.
import { spawn } from 'node:child_process';
import { NftError } from './nft-errors.js';

/** How to run nft. */
export interface NftProcessOptions {
  /** The nft binary (name looked up in PATH, or a path). */
  readonly nft: string;
  /** Run as `ip netns exec NS nft -f -` when set (iproute2 `ip` from PATH). */
  readonly netns?: string;
  /** Milliseconds before nft is killed (SIGKILL); a killed run commits nothing. */
  readonly timeoutMs: number;
}

/** Most stderr kept, characters. */
const MAX_STDERR = 65536;

/** nft points at the line it refused: `<file>:LINE:COL[-COL]: Error: …` (nft(8), `-f`). */
const ERROR_LINE = /^[^\n]*?:(\d+):\d+(?:-\d+)?: Error:/gm;

/**
 * Runs `script` as one `nft -f -` transaction: nft sends it as one netlink batch, which the kernel
 * commits whole or not at all (nftables wiki: Atomic rule replacement). Resolves to null on
 * success, else to an NftError `enforce.nft_failed` with nft's stderr; never rejects.
 */
export function runNft(script: string, o: NftProcessOptions): Promise<NftError | null> {
  const [cmd, args] = o.netns !== undefined ? ['ip', ['netns', 'exec', o.netns, o.nft, '-f', '-']] : [o.nft, ['-f', '-']];
  return new Promise((resolve) => {
    let settled = false;
    const done = (e: NftError | null): void => {
      if (!settled) { settled = true; resolve(e); }
    };
    const p = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'], timeout: o.timeoutMs, killSignal: 'SIGKILL' });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => { if (stderr.length < MAX_STDERR) stderr += d.toString(); });
    p.stdin.on('error', () => {}); // EPIPE when nft dies early: its exit status tells
    p.on('error', (e) => done(new NftError('enforce.nft_failed', `cannot run ${cmd}: ${e.message}`)));
    p.on('close', (code, signal) => {
      if (code === 0) return done(null);
      const why = signal !== null ? `killed by ${signal} after ${o.timeoutMs} ms` : `exit ${code}`;
      const first = stderr.split('\n').find((l) => l.includes('Error')) ?? stderr.trim().split('\n')[0] ?? '';
      done(new NftError('enforce.nft_failed', `nft -f failed (${why}): ${first}`, stderr));
    });
    p.stdin.end(script);
  });
}

/** The script lines (1-based) nft's stderr says it refused; empty when it names none. */
export function refusedLines(stderr: string): number[] {
  return [...stderr.matchAll(ERROR_LINE)].map((m) => Number(m[1]));
}
