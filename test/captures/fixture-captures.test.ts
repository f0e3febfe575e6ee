// Every capture under ../shared/fixtures reads to its end through the whole pipeline, with the
// packet count that `capinfos -c` gives, whatever its extension says (several pcapng files are
// named .pcap).
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../gateway/capture/open-capture.js';
import { PIPELINE_DEFAULTS } from '../../gateway/sensor/sensor-config.js';
import { replayCapture } from '../../gateway/replay/replay.js';
import { captureFiles, FIXTURES, fixture } from '../helpers/fixtures.js';

const haveCapinfos = !spawnSync('capinfos', ['-h'], { stdio: 'ignore' }).error;
const files = [...captureFiles(fixture('pcap')), ...captureFiles(fixture('mud-pairs'))];

/** Packet count by `capinfos -c -M` (machine-readable, no thousands separators). */
function capinfosCount(file: string): number {
  const out = execFileSync('capinfos', ['-c', '-M', file], { encoding: 'utf8' });
  const m = /Number of packets:\s*(\d+)/.exec(out);
  if (!m) throw new Error(`capinfos gave no count for ${file}`);
  return Number(m[1]);
}

describe.skipIf(!haveCapinfos)('fixture captures (capinfos from tshark installed)', () => {
  it('finds the fixture captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(45);
    // The pcapng files named .pcap are among them: detection is by magic number.
    expect(detectFormat(fixture('pcap/ndpi/dns.pcap'))).toBe('pcapng');
    expect(detectFormat(fixture('pcap/ndpi/tcp_scan.pcapng'))).toBe('pcap');
  });

  it.each(files.map((f) => [f.slice(FIXTURES.length + 1), f]))('%s reads to its end with the capinfos packet count', async (_name, file) => {
    const { summary } = await replayCapture(file, { config: PIPELINE_DEFAULTS, topFlows: 0 });
    expect(summary.packets).toBe(capinfosCount(file));
    expect(summary.capture.frames).toBe(summary.packets);
    expect(summary.capture.warnings).toEqual([]);
  });
});
