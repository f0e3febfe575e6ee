// SSDP (HTTP over UDP, UPnP Device Architecture 2.0 §1) as an app module: `ssdp` records.
import { Probe, type UdpAppModule } from '../app-module.js';
import { parseSsdp } from './parse-ssdp.js';

/** The three start lines an SSDP datagram may have (UDA 2.0 §1.2.2, §1.3.2, §1.3.3). */
const STARTS = ['M-SEARCH * HTTP/1.', 'NOTIFY * HTTP/1.', 'HTTP/1.1 200'].map((s) => Buffer.from(s, 'latin1'));

/**
 * The SSDP module. Its probe catches unicast answers to an M-SEARCH sent from an ephemeral port
 * to an ephemeral port (UDA 2.0 §1.3.3 has them come from port 1900, but not every stack obeys).
 */
export const ssdpModule: UdpAppModule = {
  name: 'ssdp',
  // IANA 1900 (ssdp).
  ports: [1900],
  probe(b, off, end) {
    if (end > b.length) end = b.length;
    for (const s of STARTS) {
      if (end - off >= s.length && b.compare(s, 0, s.length, off, off + s.length) === 0) return Probe.Yes;
    }
    return Probe.No;
  },
  parse(b, off, end, ts, _dir, out) {
    const msg = parseSsdp(b, off, end);
    if (typeof msg === 'number') return msg;
    out({ kind: 'ssdp', ts, msg });
    return 0;
  },
};
