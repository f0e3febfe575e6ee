// The daemon the browser tests look at: the bundled profiles and the demo's gateway address, so
// that one replay of the demo capture gives the inventory and alerts `npm start` shows; device.new
// raised at once, no baseline learning (each new test device is exactly one new alert).
import { join } from 'node:path';
import { ATTACKERS, DEMO_HOSTS, ROUTER } from '../../gateway/demo/demo-devices.js';
import { DEMO_GATEWAY_ADDRESSES, writeDemoCapture } from '../../gateway/demo/demo-network.js';
import { launchBrowser, signIn, type TestBrowser } from '../helpers/browser.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { writeDeviceCapture } from '../helpers/device-capture.js';
import { ROOT } from '../helpers/fixtures.js';

/** Where the bundled profiles live. */
export const PROFILES_DIR = join(ROOT, 'policies', 'profiles');

/** The compliance state of each demo device after one loop (test/demo/demo-network.test.ts). */
export const DEMO_COMPLIANCE: Readonly<Record<string, string>> = Object.freeze({
  [ROUTER.mac]: 'no-profile',
  [DEMO_HOSTS.camera.mac]: 'violating',
  [DEMO_HOSTS.plug.mac]: 'compliant',
  [DEMO_HOSTS.bulb.mac]: 'compliant',
  [DEMO_HOSTS.speaker.mac]: 'compliant',
  [DEMO_HOSTS.laptop.mac]: 'no-profile',
});

/** The camera's C&C server: its flows there are denied by this ACL. */
export const CAMERA_DENIED = Object.freeze({ dst: ATTACKERS.c2, acl: 'camera-v4-from-device' });

/** Starts a daemon with the bundled profiles, the demo's gateway, and `extra` sections over them. */
export function startDemoDaemon(extra: Record<string, unknown> = {}): Promise<TestDaemon> {
  return startTestDaemon({
    policy: { profilesDir: PROFILES_DIR, gatewayAddresses: [...DEMO_GATEWAY_ADDRESSES] },
    detect: { deviceNew: { holdSeconds: 0 }, baseline: { enabled: false } },
    ...extra,
  });
}

/**
 * Replays one loop of the demo capture into the daemon. `syslog`: with the camera's own syslog lines
 * as the running demo delivers them (gateway/demo/demo-syslog.ts); off by default, so the suites that
 * count edge logs see only their own.
 */
export async function ingestDemo(t: TestDaemon, opts: { syslog?: boolean } = {}): Promise<void> {
  const file = join(t.dir, 'demo.pcap');
  writeDemoCapture(file);
  await t.daemon.ingestCapture(file, { demoSyslog: opts.syslog === true });
}

/**
 * The set-up the dashboard suites share: a browser and a demo daemon with one loop replayed, the
 * browser signed in as `role`. Both are closed again if any step fails.
 */
export async function openDemoDashboard(role: 'analyst' | 'admin' = 'analyst'): Promise<[TestBrowser, TestDaemon]> {
  const started = await Promise.allSettled([launchBrowser(), startDemoDaemon()]);
  const [b, t] = started.map((r) => (r.status === 'fulfilled' ? r.value : null)) as [TestBrowser | null, TestDaemon | null];
  try {
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    await ingestDemo(t!);
    await signIn(b!.page, t!.url, t!.tokens[role]);
    return [b!, t!];
  } catch (e) {
    await b?.close();
    await t?.close();
    throw e;
  }
}

let captures = 0;

/** Writes the capture of new test devices `from`..`to-1` (each one device.new); returns its path. */
export function newDevicesCapture(t: TestDaemon, from: number, to: number): string {
  const file = join(t.dir, `devices-${captures++}.pcap`);
  writeDeviceCapture(file, from, to);
  return file;
}
