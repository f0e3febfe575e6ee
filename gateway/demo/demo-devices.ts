// Who is on the demo's home network and whom they talk to: the router, four devices of the
// fictional vendor "Example Home" (camera, plug, bulb, speaker) that announce MUD URLs, a guest
// laptop that announces none, the vendor's cloud names, and the attackers. Every address comes
// from the ranges reserved for documentation (RFC 5737, RFC 2606), every MAC is locally administered.

/** Packet time of second 0 of the demo capture: 2026-01-01T00:00:00Z, µs since the epoch. */
export const DEMO_EPOCH_US = Date.UTC(2026, 0, 1) * 1000;

/**
 * Length of one loop of the demo, seconds: the capture's traffic fits in it and a replay starts the
 * next loop this long after the previous one. Four minutes, so that a benign device opening one
 * connection to a cloud per loop makes 15 an hour; the beacon detector calls periodic traffic to a
 * named cloud on a usual port no alert at all, so only the C&C check-ins (every 10 s, to a bare
 * address on an odd port) and the loader's fetch from the C&C host are beacons — and 240 s is a
 * whole number of the check-ins' periods, so they stay regular across the loop boundary.
 */
export const DEMO_LOOP_SECONDS = 240;

/** The home router: DHCP server, DNS resolver and NTP server of the LAN, and the way out. */
export const ROUTER = Object.freeze({ mac: '02:ed:00:00:00:01', ip: '192.168.1.1' });

/** The LAN's prefix length and DHCP domain. */
export const LAN = Object.freeze({ mask: '255.255.255.0', domain: 'home.arpa', leaseSeconds: 86400 });

/** Where the vendor serves its MUD files (policies/profiles/<role>.json holds the same ones). */
export const MUD_BASE = 'https://mud.example.com/edgeward-demo/';

/** The roles of the demo's hosts. */
export type DemoRole = 'camera' | 'plug' | 'bulb' | 'speaker' | 'laptop';

/** A host on the demo LAN and what it announces in DHCP. */
export interface DemoHost {
  role: DemoRole;
  mac: string;
  ip: string;
  hostname: string;
  /** DHCP option 60. */
  vendorClass: string;
  /** DHCP option 55 (the stack's fingerprint). */
  params: number[];
  /** DHCP option 161; null for a host without one. */
  mudUrl: string | null;
}

/** BusyBox udhcpc's default request list, and a desktop OS's longer one. */
const UDHCPC_PARAMS = [1, 3, 6, 12, 15, 28, 42];
const DESKTOP_PARAMS = [1, 121, 3, 6, 15, 108, 114, 119, 252];

function iot(role: Exclude<DemoRole, 'laptop'>, octet: number, model: string): DemoHost {
  return {
    role, mac: `02:ed:00:00:01:${octet.toString(16).padStart(2, '0')}`, ip: `192.168.1.${octet}`, hostname: `example-${role}`,
    vendorClass: `ExampleHome ${model}`, params: UDHCPC_PARAMS, mudUrl: `${MUD_BASE}${role}.json`,
  };
}

/** The hosts, by role. */
export const DEMO_HOSTS: Readonly<Record<DemoRole, DemoHost>> = Object.freeze({
  camera: iot('camera', 10, 'HC-1'),
  plug: iot('plug', 11, 'SP-2'),
  bulb: iot('bulb', 12, 'LB-3'),
  speaker: iot('speaker', 13, 'SS-4'),
  laptop: {
    role: 'laptop', mac: '02:ed:00:00:01:32', ip: '192.168.1.50', hostname: 'guest-laptop', vendorClass: 'MSFT 5.0',
    params: DESKTOP_PARAMS, mudUrl: null,
  },
});

/** The names the devices resolve, and the documentation addresses they resolve to. */
export const CLOUD: Readonly<Record<string, string>> = Object.freeze({
  'api.cam.example.com': '203.0.113.10',
  'clips.cam.example.com': '203.0.113.11',
  'mqtt.plug.example.com': '203.0.113.20',
  'api.plug.example.com': '203.0.113.21',
  'api.bulb.example.com': '203.0.113.30',
  'time.example.com': '203.0.113.123',
  'voice.speaker.example.com': '203.0.113.40',
  'media.speaker.example.com': '203.0.113.41',
  'www.example.org': '192.0.2.80',
});

/** The attackers: a Mirai-style telnet scanner, and the C&C and loader server the camera obeys. */
export const ATTACKERS = Object.freeze({
  telnetBruteforcer: '198.51.100.77',
  c2: '198.51.100.23',
  /** IRC, where Gafgyt/Tsunami-style bots take orders. */
  c2Port: 6667,
  /** Registrable domain whose name server is the other end of the speaker's DNS tunnel. */
  tunnelDomain: 'example.net',
});
