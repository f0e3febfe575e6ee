// tcpreplay run inside a network namespace, for the live benchmark (`npm run bench:live`) and the
// live capture tests: the first N packets of a capture at a fixed rate or at top speed, and what
// its summary says was sent. The capture is preloaded into RAM (`--preload-pcap`) so that disk
// reads never set the pace, and looped (`--loop=0 --limit=N`) when it holds fewer than N packets.
import { spawn } from 'node:child_process';

/** Packets per second, or `'top'` for tcpreplay's `--topspeed`. */
export type ReplayRate = number | 'top';

/** A replay: where from, what, how fast, how many. */
export interface TcpreplayOptions {
  /** Network namespace tcpreplay runs in. */
  ns: string;
  /** Interface in that namespace it sends on. */
  iface: string;
  /** Capture file (pcap or pcapng, Ethernet frames). */
  file: string;
  rate: ReplayRate;
  /** Packets to send (the capture is looped as often as needed). */
  packets: number;
  /** Killed (SIGKILL) after this many milliseconds, preloading included. */
  timeoutMs: number;
  /** Aborting kills tcpreplay (SIGINT of the benchmark). */
  signal?: AbortSignal;
}

/** What tcpreplay's closing summary says. */
export interface TcpreplayResult {
  /** "Successful packets:": frames the interface took. */
  sent: number;
  /** "Failed packets:": frames it refused (longer than the MTU, no buffer). */
  failed: number;
  /** "Actual: … sent in S seconds": from the first frame to the last, seconds. */
  seconds: number;
  /** "Rated: … pps": the rate it achieved, packets/s. */
  pps: number;
}

/** tcpreplay's arguments for a replay (without the namespace). */
export function tcpreplayArgs(o: Pick<TcpreplayOptions, 'iface' | 'file' | 'rate' | 'packets'>): string[] {
  return [
    '-i', o.iface, o.rate === 'top' ? '--topspeed' : `--pps=${o.rate}`,
    // Flow statistics cost time while preloading and nothing here reads them.
    '--preload-pcap', '--no-flow-stats', '--loop=0', `--limit=${o.packets}`, o.file,
  ];
}

/** The counts of tcpreplay's summary (stdout and stderr together), or null when it has none. */
export function parseTcpreplay(text: string): TcpreplayResult | null {
  const ok = /Successful packets:\s+(\d+)/.exec(text);
  const actual = /Actual: \d+ packets \(\d+ bytes\) sent in ([\d.]+) seconds/.exec(text);
  if (ok === null || actual === null) return null;
  const failed = /Failed packets:\s+(\d+)/.exec(text);
  const rated = /Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(text);
  const sent = Number(ok[1]);
  const seconds = Number(actual[1]);
  return {
    sent, failed: failed ? Number(failed[1]) : 0, seconds,
    pps: rated ? Number(rated[1]) : seconds > 0 ? sent / seconds : 0,
  };
}

/**
 * Runs tcpreplay in `o.ns` (without blocking the event loop: a capture in this process goes on
 * reading meanwhile) and resolves to its summary; rejects with its output when it fails, times
 * out or is aborted.
 */
export function runTcpreplay(o: TcpreplayOptions): Promise<TcpreplayResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', o.ns, 'tcpreplay', ...tcpreplayArgs(o)], {
      stdio: ['ignore', 'pipe', 'pipe'], timeout: o.timeoutMs, killSignal: 'SIGKILL', signal: o.signal,
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('error', (e) => reject(new Error(`tcpreplay: ${e.message}`)));
    p.on('close', (code, sig) => {
      const r = parseTcpreplay(out);
      if (code === 0 && r !== null) resolve(r);
      else reject(new Error(`tcpreplay ${tcpreplayArgs(o).join(' ')} in ${o.ns} ended with ${sig ?? `exit ${code}`}: ${out.trim().slice(-600)}`));
    });
  });
}
