// Normal IoT traffic stays quiet: beacon, dnsTunnel and dnsExfiltration together over every IoT
// Sentinel setup capture (device setup: DHCP, DNS, NTP, mDNS/SSDP, vendor cloud) and the nDPI
// TP-Link smart plug capture (eight plugs broadcasting to port 9999 every 60 s for half an hour).
import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { beacon } from '../../../gateway/detect/detectors/beacon.js';
import { dnsExfiltration } from '../../../gateway/detect/detectors/dns-exfiltration.js';
import { dnsTunnel } from '../../../gateway/detect/detectors/dns-tunnel.js';
import { replayCapture } from '../../../gateway/replay/replay.js';
import { captureFiles, fixture } from '../../helpers/fixtures.js';

const FILES = [...captureFiles(fixture('pcap/iot-sentinel')), fixture('pcap/ndpi/tplink_shp.pcap')];

describe('beacon and DNS detectors over normal IoT captures', () => {
  it('finds the captures', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(29);
  });

  it.each(FILES.map((f) => [f.slice(fixture('pcap').length + 1), f]))('%s raises nothing', async (_name, file) => {
    const { summary } = await replayCapture(file, {
      config: pipelineConfig(), detect: { detectors: [beacon, dnsTunnel, dnsExfiltration] },
    });
    expect(summary.packets).toBeGreaterThan(0);
    expect(summary.alerts).toEqual([]);
  });
});
