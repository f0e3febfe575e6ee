// Builds the benchmark capture: the fixture captures' Ethernet frames, repeated until the file holds
// the requested number of packets. Each round moves the IPv4 addresses to a new /24 (third octet
// XOR round) and the devices to new MACs, so flows and devices churn as on a busy LAN, and time
// runs on with the original gaps (capped at 1 s).
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LINKTYPE_ETHERNET } from '../capture/link-types.js';
import { openCapture } from '../capture/open-capture.js';
import { packageRoot } from '../common/package-root.js';
import { PcapWriter } from '../capture/pcap-writer.js';

interface Frame {
  data: Buffer;
  gap: number;
}

/** Every capture file below `dir` (by magic, whatever the extension). */
export function listCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listCaptures(p));
    else if (/\.(pcap|pcapng|cap)$/i.test(name)) out.push(p);
  }
  return out;
}

async function loadFrames(files: string[]): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (const file of files) {
    const src = openCapture(file);
    let prev = -1;
    await src.run((buf, off, cap, _orig, ts, linkType) => {
      if (linkType !== LINKTYPE_ETHERNET) return;
      const gap = prev < 0 ? 1000 : Math.min(Math.max(ts - prev, 0), 1e6);
      prev = ts;
      frames.push({ data: Buffer.from(buf.subarray(off, off + cap)), gap });
    });
  }
  return frames;
}

/** IPv4 header offset of an Ethernet frame (one VLAN tag allowed), or -1. */
function ipv4Offset(f: Buffer): number {
  let o = 12;
  let type = f.length >= 14 ? f.readUInt16BE(o) : 0;
  if (type === 0x8100 && f.length >= 18) { o += 4; type = f.readUInt16BE(o); }
  return type === 0x0800 && f.length >= o + 2 + 20 ? o + 2 : -1;
}

/**
 * Moves a frame to round `x`'s LAN (XOR, so applying it twice undoes it): the third octet of the
 * IPv4 addresses, and the fifth octet of the unicast MACs (Ethernet header and ARP's hardware
 * addresses), so each round is a LAN of other devices, as on a busy network, rather than the same
 * few devices with ever new addresses.
 */
function rotate(d: Buffer, ip: number, x: number): void {
  if (ip >= 0) { d[ip + 14] = d[ip + 14]! ^ x; d[ip + 18] = d[ip + 18]! ^ x; }
  if (d.length < 14) return;
  if ((d[0]! & 1) === 0) d[4] = d[4]! ^ x;
  if ((d[6]! & 1) === 0) d[10] = d[10]! ^ x;
  // ARP over Ethernet/IPv4 (RFC 826): sender MAC 22, sender IP 28, target MAC 32, target IP 38.
  if (d.readUInt16BE(12) === 0x0806 && d.length >= 42) {
    if ((d[22]! & 1) === 0) d[26] = d[26]! ^ x;
    if ((d[32]! & 1) === 0 && d.readUIntBE(32, 6) !== 0) d[36] = d[36]! ^ x;
    d[30] = d[30]! ^ x;
    d[40] = d[40]! ^ x;
  }
}

/** Packets of the README's benchmark capture. */
export const BENCH_PACKETS = 2_000_000;

/**
 * The README's benchmark capture of `packets` frames (`.cache/bench/bench-v2-N.pcap`, built from the
 * fixtures beside the project on first use and cached): what `edgeward bench` and `bench:live` replay.
 */
export function benchCapture(packets: number, log: (s: string) => void): Promise<string> {
  const root = packageRoot();
  const fixtures = resolve(root, '../shared/fixtures');
  return ensureBenchCapture(join(root, '.cache/bench', `bench-v2-${packets}.pcap`), [join(fixtures, 'pcap'), join(fixtures, 'mud-pairs')], packets, log);
}

/**
 * Makes (or reuses) a capture of at least `packets` frames at `path` from the captures in
 * `fixtureDirs`. Returns the path. Written to a temporary name first, so a killed run leaves no
 * half file behind.
 */
export async function ensureBenchCapture(path: string, fixtureDirs: string[], packets: number, log: (s: string) => void): Promise<string> {
  if (existsSync(path)) return path;
  const files = fixtureDirs.filter((d) => existsSync(d)).flatMap(listCaptures);
  if (files.length === 0) throw new Error(`no fixture captures found in ${fixtureDirs.join(', ')}`);
  log(`building ${path} (${packets} packets from ${files.length} fixture captures)…\n`);
  const frames = await loadFrames(files);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const w = new PcapWriter(tmp);
  let ts = Date.UTC(2026, 0, 1) * 1000;
  for (let round = 0; w.count < packets; round++) {
    const x = round & 0xff;
    for (const fr of frames) {
      const d = fr.data;
      const ip = ipv4Offset(d);
      if (x !== 0) rotate(d, ip, x);
      ts += fr.gap;
      w.write(d, ts);
      if (x !== 0) rotate(d, ip, x);
      if (w.count >= packets) break;
    }
  }
  w.close();
  renameSync(tmp, path);
  return path;
}
