// Captures of "new devices": device i (MAC 02:00:00:00:hh:ll, an address in 192.168.7.0/24 and up)
// sends `packets` datagrams to 192.168.7.254, the devices two minutes apart so no reconnect storm
// folds their device.new alerts. Written with the project's PcapWriter.
import { PcapWriter } from '../../gateway/capture/pcap-writer.js';
import { ether, ETHER_IPV4, ipv4, udp } from './frames.js';
import { T0 } from './replay-frames.js';

/** The MAC of test device i. */
export const deviceMac = (i: number) => `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

/** Writes the capture of devices `from`..`to-1` to `file`. */
export function writeDeviceCapture(file: string, from: number, to: number, packets = 1): void {
  const w = new PcapWriter(file);
  for (let i = from; i < to; i++) {
    for (let k = 0; k < packets; k++) {
      const f = Buffer.concat([
        ether({ dst: '02:00:00:00:ff:fe', src: deviceMac(i), type: ETHER_IPV4 }),
        ipv4({ src: `192.168.${7 + (i >> 8)}.${(i & 255) || 250}`, dst: '192.168.7.254', proto: 17, payload: udp({ sport: 40000, dport: 9999, payload: Buffer.from('hello') }) }),
      ]);
      w.write(f, T0 + i * 120e6 + k * 1000);
    }
  }
  w.close();
}
