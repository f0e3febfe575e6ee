// Picks the reader for a capture file by its magic number, never by its extension: several real
// pcapng files are named .pcap.
import { readHead } from './chunked-file.js';
import { CaptureError, type FrameSource } from './frame-source.js';
import { PCAP_MAGIC_NS_BE, PCAP_MAGIC_NS_LE, PCAP_MAGIC_US_BE, PCAP_MAGIC_US_LE, PcapReader } from './pcap-reader.js';
import { PcapngReader } from './pcapng-reader.js';

/** The capture formats edgeward reads. */
export type CaptureFormat = 'pcap' | 'pcapng';

/** Names the format of a capture file from its first four bytes, or null. */
export function detectFormat(path: string): CaptureFormat | null {
  let head: Buffer;
  try {
    head = readHead(path, 4);
  } catch (e) {
    throw new CaptureError('capture.open_failed', `${path}: ${(e as Error).message}`);
  }
  if (head.length < 4) return null;
  const m = head.readUInt32LE(0);
  if (m === 0x0a0d0d0a) return 'pcapng';
  if (m === PCAP_MAGIC_US_LE || m === PCAP_MAGIC_US_BE || m === PCAP_MAGIC_NS_LE || m === PCAP_MAGIC_NS_BE) return 'pcap';
  return null;
}

/** Opens a capture file with the reader its magic number calls for. */
export function openCapture(path: string): FrameSource {
  const format = detectFormat(path);
  if (format === 'pcapng') return new PcapngReader(path);
  if (format === 'pcap') return new PcapReader(path);
  throw new CaptureError('capture.bad_magic', `${path}: not a pcap or pcapng capture (unknown magic number)`);
}
