// Installs the system packages the test suite needs (npm test's pretest, and .ci/run with
// --system-only), then makes sure edgeward's live capture addon is built. Plain Node, no deps.
//
// As root on Debian (apt-get present): installs what is missing, non-interactively, and exits 1
// only if apt-get install fails. Otherwise: says what is missing and how to install it, exits 0
// (the tests that need a missing tool skip with a reason).
//   node test/setup/system-deps.mjs                 packages, then the capture addon
//   node test/setup/system-deps.mjs --system-only   packages only (npm ci builds the addon right after)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SYSTEM_ONLY = process.argv.includes('--system-only');
const PCAP_HEADER = '/usr/include/pcap/pcap.h';

/** What the tests need, and the Debian package that brings it. */
const REQUIREMENTS = [
  { what: PCAP_HEADER, file: PCAP_HEADER, pkg: 'libpcap-dev' }, // to build the capture addon (gateway/capture/native)
  { what: 'g++', command: 'g++', pkg: 'g++' }, // node-gyp's compiler for the addon
  { what: 'make', command: 'make', pkg: 'make' }, // node-gyp's build tool
  { what: 'python3', command: 'python3', pkg: 'python3' }, // node-gyp runs gyp with it
  { what: 'tcpreplay', command: 'tcpreplay', pkg: 'tcpreplay' }, // line-rate replays onto veth pairs (issue 19)
  { what: 'tcpdump', command: 'tcpdump', pkg: 'tcpdump' },
  { what: 'tshark', command: 'tshark', pkg: 'tshark' },
  { what: 'capinfos', command: 'capinfos', pkg: 'tshark' }, // in wireshark-common, a dependency of tshark
  { what: 'nft', command: 'nft', pkg: 'nftables' },
  { what: 'ip', command: 'ip', pkg: 'iproute2' },
  { what: 'openssl', command: 'openssl', pkg: 'openssl' }, // MUD signatures checked against `openssl cms -verify`, test certificates (issue 17)
  { what: 'influxd', command: 'influxd', pkg: 'influxdb' }, // InfluxDB 1.x for the metrics tests (issue 7)
  { what: 'chromium', command: 'chromium', pkg: 'chromium' }, // the dashboard's browser tests (test/browser/, issue 8)
  { what: 'nats-server', command: 'nats-server', pkg: 'nats-server' }, // NATS with JetStream for the fleet tests (issue 18)
  // Real telnet (telnetd + login) and HTTP Basic servers for the exposure audit test (issue 20):
  // Debian's plain busybox has no telnetd, the static build has; the two packages replace each other.
  { what: 'busybox telnetd', command: 'busybox', applet: 'telnetd', pkg: 'busybox-static' },
  { what: 'dropbear', command: 'dropbear', pkg: 'dropbear-bin' }, // a real SSH server for the same test (issue 20)
];

/** Answers tshark's install-time question (let non-root users capture?) with no. */
const DEBCONF_PRESEED = 'wireshark-common wireshark-common/install-setuid boolean false\n';
const APT_ENV = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'a' };
/** Other engineers' or workers' apt runs may hold the lock: retry this many times, 5 s apart. */
const APT_LOCK_RETRIES = 24;

const say = (line) => console.log(`system-deps: ${line}`);

function onPath(cmd) {
  // sbin is not on every user's PATH, but the tools there are still installed.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const d of dirs) {
    if (d === '') continue;
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** Whether a multi-call binary (busybox) was built with `applet`. */
const hasApplet = (cmd, applet) => run(cmd, ['--list']).output.split('\n').includes(applet);
const present = (r) => (r.file ? existsSync(r.file) : onPath(r.command) && (r.applet === undefined || hasApplet(r.command, r.applet)));
const missingNow = () => REQUIREMENTS.filter((r) => !present(r));
const uniq = (xs) => [...new Set(xs)];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
  return { ok: r.status === 0 && !r.error, status: r.status, output };
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** apt-get with retries while another apt/dpkg holds its lock. */
function aptGet(args) {
  let r;
  for (let i = 0; i <= APT_LOCK_RETRIES; i++) {
    r = run('apt-get', ['-o', 'DPkg::Lock::Timeout=60', ...args], { env: APT_ENV, input: '' });
    if (r.ok || !/Could not get lock|Unable to (acquire|lock)/i.test(r.output)) return r;
    sleep(5000);
  }
  return r;
}

function tail(text, lines = 40) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function installSystemPackages() {
  const missing = missingNow();
  if (missing.length === 0) return true;
  const pkgs = uniq(missing.map((r) => r.pkg));
  const isRoot = process.getuid?.() === 0;
  const hasApt = onPath('apt-get');
  if (!isRoot || !hasApt) {
    const why = !hasApt ? 'no apt-get on this system' : 'not root';
    say(`missing ${missing.map((r) => r.what).join(', ')} (${why}); tests that need them will skip.`);
    say(`to install: sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')} (Debian/Ubuntu package names)`);
    return true;
  }
  if (onPath('debconf-set-selections')) {
    const r = run('debconf-set-selections', [], { input: DEBCONF_PRESEED });
    if (!r.ok) say(`debconf-set-selections failed (going on): ${tail(r.output, 3)}`);
  }
  say(`apt-get update (missing: ${missing.map((r) => r.what).join(', ')})`);
  const up = aptGet(['update']);
  if (!up.ok) say(`apt-get update failed, trying the install with the package lists at hand:\n${tail(up.output, 10)}`);
  say(`apt-get install ${pkgs.join(' ')}`);
  const r = aptGet([
    'install', '-y', '--no-install-recommends',
    '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold',
    ...pkgs,
  ]);
  if (!r.ok) {
    console.error(tail(r.output, 60));
    say(`apt-get install ${pkgs.join(' ')} failed (exit ${r.status})`);
    return false;
  }
  const still = missingNow();
  if (still.length > 0) say(`installed, but still missing: ${still.map((x) => x.what).join(', ')}`);
  else say(`installed ${pkgs.join(' ')}`);
  return true;
}

/** The addon live capture loads (gateway/capture/pcap-binding.ts) and the script that builds it. */
const ADDON = join(ROOT, 'gateway', 'capture', 'native', 'build', 'Release', 'edgeward_pcap.node');
const ADDON_BUILD = join(ROOT, 'gateway', 'capture', 'native', 'build.mjs');

/** Loads the addon in a child process (a broken native build must not take this one down). */
function addonLoads() {
  if (!existsSync(ADDON)) return { ok: false, why: `${ADDON} is missing` };
  const r = run(process.execPath, ['-e', `require(${JSON.stringify(ADDON)})`], { cwd: ROOT });
  return { ok: r.ok, why: r.output.split('\n').find((l) => /Error|error:/.test(l))?.trim() ?? tail(r.output, 1) };
}

/**
 * Builds the addon when it does not load and libpcap's headers are here: `npm ci` runs its build
 * too, but on a fresh machine that may have been before apt installed libpcap-dev.
 */
function ensureCaptureAddon() {
  const first = addonLoads();
  if (first.ok) return;
  if (!existsSync(PCAP_HEADER)) {
    say(`the capture addon does not load (${first.why}) and ${PCAP_HEADER} is missing: live capture tests will skip (fix: apt-get install -y libpcap-dev g++ make && npm run build:capture)`);
    return;
  }
  say(`the capture addon does not load (${first.why}); node gateway/capture/native/build.mjs`);
  const r = run(process.execPath, [ADDON_BUILD], { cwd: ROOT, input: '' });
  const after = addonLoads();
  if (after.ok) say('the capture addon builds and loads now: live capture tests will run');
  else say(`the capture addon still does not load (${after.why}); live capture tests will skip.\n${tail(r.output, 20)}`);
}

const before = missingNow().length;
if (!installSystemPackages()) process.exit(1);
if (!SYSTEM_ONLY) ensureCaptureAddon();
if (before === 0 && process.env.CI) say('all system packages present');
