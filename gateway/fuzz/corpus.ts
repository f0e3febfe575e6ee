// The fuzzer's seeds, read once at start: a few frames of each kind from every fixture capture (read
// with the project's readers), demo and built frames, capture files, and every MUD file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { detectFormat, openCapture } from '../capture/open-capture.js';
import { packageRoot } from '../common/package-root.js';
import { decodeFrame, DEFAULT_DECODE_LIMITS } from '../decode/decode-frame.js';
import { udpModuleFor } from '../app/app-dispatch.js';
import { IPPROTO } from '../decode/dispatch.js';
import { PacketView } from '../decode/packet-view.js';
import { demoFrames } from '../demo/demo-network.js';
import { builtCaptures } from './seed-captures.js';
import { builtFrames, type SeedFrame } from './seed-frames.js';

/** A capture file's leading bytes, a seed of the capture reader target. */
export interface CaptureSeed {
  name: string;
  data: Buffer;
}

/** A MUD file's text. */
export interface MudSeed {
  name: string;
  text: string;
}

/** Everything the targets draw their seeds from. */
export interface Corpus {
  frames: SeedFrame[];
  captures: CaptureSeed[];
  mud: MudSeed[];
  /** What was missing or skipped, for the run's header. */
  notes: string[];
}

/** Corpus limits. */
export interface CorpusOptions {
  /** The shared fixtures folder (with pcap/, mud/, mud-pairs/); null: built-in seeds only. */
  fixturesDir: string | null;
  /** Most frames kept over all captures. Default 3000. */
  maxFrames?: number;
}

/** Frames kept per kind (link, ethertype, protocol, application, decode event) and per file. */
const PER_KIND = 3;
/** Frames kept per capture file at most. */
const PER_FILE = 150;
/** Leading bytes of a capture file kept as a reader seed. */
const CAPTURE_HEAD = 16 * 1024;
/** TCP ports whose payload the app parsers read, named apart in the kind key. */
const TCP_APP_PORTS = new Set([22, 23, 53, 80, 443, 1883, 8080, 8443]);

/** The default fixtures folder: ../shared/fixtures beside the package. */
export function defaultFixturesDir(): string {
  return resolve(packageRoot(), '../shared/fixtures');
}

/** What a frame is, coarsely: frames of one kind add little to each other as seeds. */
function frameKind(pv: PacketView, linkType: number, r: number): string {
  let app = '';
  if (pv.ipProto === IPPROTO.UDP && pv.srcPort >= 0) app = udpModuleFor(pv.srcPort, pv.dstPort)?.name ?? 'udp';
  else if (pv.ipProto === IPPROTO.TCP && pv.srcPort >= 0) {
    const port = TCP_APP_PORTS.has(pv.dstPort) ? pv.dstPort : TCP_APP_PORTS.has(pv.srcPort) ? pv.srcPort : 0;
    app = `${port}/${pv.payloadLen > 0 ? 'data' : pv.tcpFlags}`;
  } else if (pv.icmpType >= 0) app = `icmp${pv.icmpType}`;
  return `${linkType}/${pv.etherType}/${pv.ipProto}/${app}/${r}`;
}

/** Capture files below `dir`, told by magic number (several pcapng files are named .pcap), sorted. */
function captureFilesUnder(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...captureFilesUnder(p));
    else if (detectFormat(p) !== null) out.push(p);
  }
  return out;
}

function filesUnder(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, re));
    else if (re.test(name)) out.push(p);
  }
  return out;
}

/** Picks a few frames of each kind from a list of frames, into `out`. */
class FramePicker {
  private readonly pv = new PacketView();
  private kinds = new Map<string, number>();
  private inFile = 0;

  constructor(private readonly out: SeedFrame[], private readonly max: number) {}

  startFile(): void {
    this.kinds = new Map();
    this.inFile = 0;
  }

  offer(buf: Buffer, off: number, capLen: number, linkType: number, source: string): void {
    if (this.out.length >= this.max || this.inFile >= PER_FILE) return;
    const r = decodeFrame(this.pv, buf, off, capLen, capLen, 0, linkType, 0, DEFAULT_DECODE_LIMITS);
    const k = frameKind(this.pv, linkType, r);
    const n = this.kinds.get(k) ?? 0;
    if (n >= PER_KIND) return;
    this.kinds.set(k, n + 1);
    this.inFile++;
    this.out.push({ linkType, data: Buffer.from(buf.subarray(off, off + capLen)), source });
  }
}

/** Reads the corpus. Deterministic: files in sorted order, frames in file order. */
export async function loadCorpus(opts: CorpusOptions): Promise<Corpus> {
  const maxFrames = opts.maxFrames ?? 3000;
  const frames: SeedFrame[] = [];
  const captures: CaptureSeed[] = [];
  const mud: MudSeed[] = [];
  const notes: string[] = [];
  const picker = new FramePicker(frames, maxFrames);
  const fx = opts.fixturesDir;
  if (fx !== null && existsSync(fx)) {
    for (const file of [...captureFilesUnder(join(fx, 'pcap')), ...captureFilesUnder(join(fx, 'mud-pairs'))]) {
      const name = relative(fx, file);
      const bytes = readFileSync(file);
      captures.push({ name, data: bytes.subarray(0, CAPTURE_HEAD) });
      picker.startFile();
      try {
        await openCapture(file).run((b, off, capLen, _orig, _ts, linkType) => picker.offer(b, off, capLen, linkType, name));
      } catch (e) {
        notes.push(`${name}: ${(e as Error).message}`);
      }
    }
    for (const file of [...filesUnder(join(fx, 'mud'), /./), ...filesUnder(join(fx, 'mud-pairs'), /\.(mud|json)$/i)]) {
      mud.push({ name: relative(fx, file), text: readFileSync(file, 'utf8') });
    }
  } else notes.push(`no fixtures at ${fx ?? '(none given)'}: built-in seeds only`);
  picker.startFile();
  for (const f of demoFrames().frames) picker.offer(f.data, 0, f.data.length, 1, 'demo');
  for (const f of builtFrames()) frames.push(f);
  captures.push(...builtCaptures(frames));
  for (const file of filesUnder(join(packageRoot(), 'policies', 'profiles'), /\.json$/i)) {
    mud.push({ name: relative(packageRoot(), file), text: readFileSync(file, 'utf8') });
  }
  return { frames, captures, mud, notes };
}

/** A corpus that crossed a worker boundary (structured clone turns Buffers into Uint8Arrays). */
export function reviveCorpus(c: Corpus): Corpus {
  const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return {
    frames: c.frames.map((f) => ({ ...f, data: buf(f.data) })),
    captures: c.captures.map((s) => ({ ...s, data: buf(s.data) })),
    mud: c.mud,
    notes: c.notes,
  };
}
