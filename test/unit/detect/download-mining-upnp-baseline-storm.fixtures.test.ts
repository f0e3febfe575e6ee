// malwareDownload, malwareMining, upnpPortmap, baseline and stormReconnect together over real
// device captures (the IoT Sentinel setup captures, nDPI's TP-Link smart plug capture): ordinary
// IoT traffic must raise nothing above severity low. The one finding is D-Link's DSP-W215 plug
// fetching its MIPS agent binary from Amazon S3 by a name it resolved: graded low.
import { describe, expect, it } from 'vitest';
import { pipelineConfig } from '../../../gateway/sensor/sensor-config.js';
import { baseline } from '../../../gateway/detect/detectors/baseline.js';
import { malwareDownload } from '../../../gateway/detect/detectors/malware-download.js';
import { malwareMining } from '../../../gateway/detect/detectors/malware-mining.js';
import { stormReconnect } from '../../../gateway/detect/detectors/storm-reconnect.js';
import { upnpPortmap } from '../../../gateway/detect/detectors/upnp-portmap.js';
import { replayCapture } from '../../../gateway/replay/replay.js';
import { captureFiles, fixture } from '../../helpers/fixtures.js';

const SENTINEL = captureFiles(fixture('pcap/iot-sentinel')).filter((f) => f.endsWith('.pcap'));
const FILES = [...SENTINEL, fixture('pcap/ndpi/tplink_shp.pcap')];
const DETECTORS = [malwareDownload, malwareMining, upnpPortmap, baseline, stormReconnect];

const name = (f: string) => f.slice(f.indexOf('/pcap/') + 6);

describe('ordinary IoT captures stay quiet (download, mining, UPnP, baseline, storm)', () => {
  it('finds the captures', () => {
    expect(SENTINEL.length).toBeGreaterThanOrEqual(28);
  });

  it.each(FILES.map((f) => [name(f), f]))('%s: nothing above low', async (n, file) => {
    const { summary } = await replayCapture(file, { config: pipelineConfig(), detect: { detectors: DETECTORS } });
    expect(summary.packets).toBeGreaterThan(0);
    expect(summary.alerts.filter((a) => a.severity !== 'low')).toEqual([]);
    if (n.startsWith('iot-sentinel/D-LinkSwitch/')) {
      // The DSP-W215 fetches /…/firmware/agent/DSP-W215/D-Link-DSP-W215-1.1.0-BX from
      // s3-us-west-2.amazonaws.com (resolved in the capture): a big-endian MIPS ELF.
      expect(summary.alerts.map((a) => [a.rule, a.severity, a.device, a.evidence.elf, a.evidence.arch, a.evidence.hostResolved, a.evidence.host])).toEqual([
        ['malware.download', 'low', '90:8d:78:a9:3d:6f', true, 'mips', true, 's3-us-west-2.amazonaws.com'],
      ]);
    } else {
      expect(summary.alerts).toEqual([]);
    }
  });
});
