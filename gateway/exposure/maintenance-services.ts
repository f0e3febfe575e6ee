// The services an exposure inventory names, by transport and port: the maintenance ones NOTICE and
// the Mirai family go for (telnet, SSH, web admin, TR-069, ADB, RTSP, UPnP), and a few others a
// device commonly answers on. A port not listed is still inventoried, under its number.

/** Transport of a service. */
export type ServiceProto = 'tcp' | 'udp';

/** What a port is known as. */
export interface ServiceInfo {
  /** Short name: `telnet`, `ssh`, `http-admin`, `tr-069`… */
  name: string;
  /** A maintenance service: a way in to the device's software (a finding when it answers). */
  maintenance: boolean;
  /** What it is, in words for the owner. */
  words: string;
}

const T = (name: string, words: string, maintenance = true): ServiceInfo => Object.freeze({ name, maintenance, words });

/** tcp/udp port → service. */
const SERVICES: ReadonlyMap<string, ServiceInfo> = new Map<string, ServiceInfo>([
  ['tcp/23', T('telnet', 'telnet remote login (unencrypted)')],
  ['tcp/2323', T('telnet', 'telnet remote login on the alternate port 2323 (unencrypted)')],
  ['tcp/22', T('ssh', 'SSH remote login')],
  ['tcp/21', T('ftp', 'FTP file access (unencrypted)')],
  ['tcp/80', T('http-admin', 'web admin page (unencrypted)')],
  ['tcp/8080', T('http-admin', 'web admin page on port 8080 (unencrypted)')],
  ['tcp/443', T('https-admin', 'web admin page (HTTPS)')],
  ['tcp/8443', T('https-admin', 'web admin page on port 8443 (HTTPS)')],
  ['tcp/7547', T('tr-069', 'TR-069 remote management (the ISP\'s management port)')],
  ['tcp/5555', T('adb', 'Android Debug Bridge (full control of an Android device)')],
  ['tcp/554', T('rtsp', 'RTSP video stream')],
  ['tcp/8554', T('rtsp', 'RTSP video stream on port 8554')],
  ['udp/1900', T('upnp', 'UPnP discovery (SSDP)')],
  ['tcp/5000', T('upnp', 'UPnP device description / control')],
  ['tcp/49152', T('upnp', 'UPnP device description / control')],
  ['tcp/1883', T('mqtt', 'MQTT broker (unencrypted)', false)],
  ['tcp/8883', T('mqtt', 'MQTT broker (TLS)', false)],
  ['udp/5353', T('mdns', 'multicast DNS', false)],
  ['udp/53', T('dns', 'DNS server', false)],
]);

/** The service on `proto`/`port`, or null when the port is not a named one. */
export function serviceOf(proto: ServiceProto, port: number): ServiceInfo | null {
  return SERVICES.get(`${proto}/${port}`) ?? null;
}

/** Whether `proto`/`port` is a maintenance service. */
export function isMaintenance(proto: ServiceProto, port: number): boolean {
  return serviceOf(proto, port)?.maintenance === true;
}

/** The TCP ports of the maintenance services the audit may connect to, by audited protocol. */
export const AUDIT_PORTS: Readonly<Record<'telnet' | 'ssh' | 'http', readonly number[]>> = Object.freeze({
  telnet: Object.freeze([23, 2323]),
  ssh: Object.freeze([22]),
  http: Object.freeze([80, 8080]),
});
