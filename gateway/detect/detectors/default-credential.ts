// device.default-credential: a LAN device accepted a login over a cleartext protocol — telnet, HTTP
// Basic, FTP — with a user name and password from a bundled default-credential list (the pairs Mirai
// and its successors try, gateway/exposure/default-credentials.ts): any bot that tries the list can
// take the device over. The app modules judge the pair in memory and hand over only the list's
// name (`credentialList` on their records, while config privacy.defaultCredentials is on); this
// detector reads no payload and never sees a credential. It holds no state: the alert manager folds
// the repeats of one device, service and port into one alert.
import { macToString } from '../../common/address-text.js';
import type { AppRecord } from '../../app/app-record.js';
import type { PacketView } from '../../decode/packet-view.js';
import type { Flow } from '../../track/flow.js';
import { flowFields } from '../../sensor/alert-fields.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** The services whose logins are judged. */
export type CredentialService = 'telnet' | 'http' | 'ftp';

/** Settings of `detect.defaultCredential`. Fixed at start. */
export interface DefaultCredentialConfig {
  /**
   * Services reported: `telnet` (any port the telnet module found), `http` (Basic authentication,
   * RFC 7617), `ftp` (port 21). Default all three.
   */
  services: string[];
}

export const DEFAULT_CREDENTIAL_DEFAULTS: Readonly<DefaultCredentialConfig> = Object.freeze({
  services: Object.freeze(['telnet', 'http', 'ftp']) as unknown as string[],
});

/** An HTTP status that says a Basic login worked: 2xx, or 3xx (the device sends the browser on to its pages); 401 and 403 say it did not. */
const httpAccepted = (status: number): boolean => status >= 200 && status < 400;

/** The running detector. */
export class DefaultCredentialDetector implements Plugin {
  private readonly services: ReadonlySet<string>;

  constructor(private readonly host: PluginHost, cfg: Readonly<DefaultCredentialConfig>) {
    for (const s of cfg.services) {
      if (s !== 'telnet' && s !== 'http' && s !== 'ftp') throw new RangeError(`detect.defaultCredential.services: "${s}" is not one of telnet, http, ftp`);
    }
    this.services = new Set(cfg.services);
  }

  onApp(rec: AppRecord, _pv: PacketView, flow: Flow | null): void {
    if (flow === null) return;
    switch (rec.kind) {
      case 'telnet':
        if (rec.event === 'login-success' && typeof rec.credentialList === 'string') this.raise('telnet', rec.credentialList, rec.ts, flow);
        break;
      case 'ftp':
        if (rec.event === 'login-success' && typeof rec.credentialList === 'string') this.raise('ftp', rec.credentialList, rec.ts, flow);
        break;
      case 'http.response': {
        const list = rec.request?.credentialList;
        if (typeof list === 'string' && httpAccepted(rec.status)) this.raise('http', list, rec.ts, flow);
        break;
      }
      default:
        break;
    }
  }

  /**
   * A login with a listed pair worked on `flow`'s responder (the modules read the responder as the
   * server). Raised only when that server is on the LAN: a LAN client logging in to an outside
   * server with a factory password is no device of ours exposed.
   */
  private raise(service: CredentialService, list: string, ts: number, flow: Flow): void {
    if (!this.services.has(service)) return;
    const h = this.host;
    const serverLocal = h.local.has(flow.family, flow.b0, flow.b1, flow.b2, flow.b3);
    if (!serverLocal) return;
    const where = flowFields(h, flow);
    const device = flow.bMac >= 0 && h.devices.get(flow.bMac) ? macToString(flow.bMac) : null;
    const port = flow.bPort;
    h.emit({
      rule: 'device.default-credential', ts, ...where, device,
      // One alert per device, service and port; a device not in the inventory is told apart by its address.
      peer: device !== null ? `${service}/${port}` : `${where.dst} ${service}/${port}`,
      message: `${where.dst}${device !== null ? ` (${device})` : ''} accepted a ${service} login on port ${port} from ${where.src} `
        + `with a password from the ${list} default-credential list`,
      evidence: { service, port, list },
    });
  }
}

export const defaultCredential = plugin<DefaultCredentialConfig>({
  name: 'defaultCredential',
  rules: ['device.default-credential'],
  defaults: DEFAULT_CREDENTIAL_DEFAULTS,
  create: (host, cfg) => new DefaultCredentialDetector(host, cfg),
});
