// Normal IoT traffic must stay quiet: the scan, brute-force and cleartext-telnet detectors, run
// together, raise nothing over the IoT Sentinel device setups (28 captures of 14 device types
// pairing with their phone apps and clouds) and nDPI's TP-Link smart plug capture.
import { basename, dirname, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { bruteforce } from '../../../gateway/detect/detectors/bruteforce.js';
import { cleartextTelnet } from '../../../gateway/detect/detectors/cleartext-telnet.js';
import { scanHost } from '../../../gateway/detect/detectors/scan-host.js';
import { scanPort } from '../../../gateway/detect/detectors/scan-port.js';
import { replayCapture } from '../../../gateway/replay/replay.js';
import { captureFiles, fixture, FIXTURES } from '../../helpers/fixtures.js';

const FILES = [...captureFiles(fixture('pcap/iot-sentinel')), fixture('pcap/ndpi/tplink_shp.pcap')];

describe('scan, brute-force and cleartext-telnet detectors on normal IoT traffic', () => {
  it('finds the captures', () => {
    expect(FILES.filter((f) => basename(dirname(f)) !== 'ndpi')).toHaveLength(28);
  });

  it.each(FILES.map((f) => [relative(FIXTURES, f), f]))('%s raises nothing', async (_name, file) => {
    const { summary } = await replayCapture(file, {
      config: pipelineConfig(), detect: { detectors: [scanPort, scanHost, bruteforce, cleartextTelnet] },
    });
    expect(summary.packets).toBeGreaterThan(0);
    expect(summary.alerts).toEqual([]);
  });
});
