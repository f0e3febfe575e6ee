// Builds the live capture addon (edgeward_pcap.node) with node-gyp. Run by npm's install script
// (`npm ci`, `npm install`) and by `npm run build:capture`. Plain Node, no dependencies.
//
//   node gateway/capture/native/build.mjs            never fails: one line says why it could not build
//   node gateway/capture/native/build.mjs --strict   exits 1 when the addon could not be built
//
// Offline: node-gyp is given the Node headers of this installation (--nodedir) when they are
// there, so it downloads nothing. Everything but live capture works without the addon.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUTPUT = join(HERE, 'build', 'Release', 'edgeward_pcap.node');
const STRICT = process.argv.includes('--strict');
const PCAP_HEADERS = ['/usr/include/pcap/pcap.h', '/usr/local/include/pcap/pcap.h'];
const FIX_PACKAGES = ['libpcap-dev', 'g++', 'make'];

const say = (line) => console.log(`edgeward capture addon: ${line}`);

function onPath(cmd) {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d === '') continue;
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return join(d, cmd);
    } catch {
      // not here
    }
  }
  return null;
}

/** node-gyp's entry script: npm's own (npm sets npm_config_node_gyp), else the one bundled with npm. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const prefix = dirname(dirname(process.execPath));
  candidates.push(join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  const npm = onPath('npm');
  if (npm !== null) {
    try {
      candidates.push(join(dirname(realpathSync(npm)), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
    } catch {
      // a dangling link: try the others
    }
  }
  for (const c of candidates) if (c.endsWith('.js') && existsSync(c)) return { cmd: process.execPath, args: [c] };
  const bin = onPath('node-gyp');
  return bin === null ? null : { cmd: bin, args: [] };
}

/** Headers of the running Node (so node-gyp downloads nothing), or null to let node-gyp decide. */
function findNodeDir() {
  const fromNpm = process.env.npm_config_nodedir;
  if (fromNpm && existsSync(join(fromNpm, 'include', 'node', 'node_api.h'))) return fromNpm;
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return null;
}

/** What is missing to build, as { why, packages } or null when all is there. */
function missingPrerequisite() {
  const missing = [];
  const pkgs = [];
  if (!PCAP_HEADERS.some((f) => existsSync(f))) {
    missing.push('no /usr/include/pcap/pcap.h');
    pkgs.push('libpcap-dev');
  }
  if (!(process.env.CC && onPath(process.env.CC)) && onPath('cc') === null && onPath('gcc') === null) {
    missing.push('no C compiler');
    pkgs.push('g++');
  }
  if (onPath('make') === null) {
    missing.push('no make');
    pkgs.push('make');
  }
  if (!process.env.PYTHON && !process.env.npm_config_python && onPath('python3') === null) {
    missing.push('no python3 (node-gyp needs it)');
    pkgs.push('python3');
  }
  return missing.length === 0 ? null : { why: missing.join(', '), pkgs };
}

function fixCommand(extra = []) {
  const pkgs = [...new Set([...FIX_PACKAGES, ...extra])];
  return `apt-get install -y ${pkgs.join(' ')} && npm run build:capture`;
}

function giveUp(why, extra = []) {
  say(`not built (${why}); live capture is unavailable until: ${fixCommand(extra)}`);
  process.exit(STRICT ? 1 : 0);
}

function tail(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

const pre = missingPrerequisite();
if (pre !== null) giveUp(pre.why, pre.pkgs);
const gyp = findNodeGyp();
if (gyp === null) giveUp('no node-gyp: neither npm_config_node_gyp nor the node-gyp bundled with npm was found');

const nodedir = findNodeDir();
const args = [...gyp.args, 'rebuild', ...(nodedir !== null ? [`--nodedir=${nodedir}`] : [])];
const r = spawnSync(gyp.cmd, args, { cwd: HERE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
if (r.status !== 0 || r.error || !existsSync(OUTPUT)) {
  console.log(tail(output, 25));
  const lines = output.split('\n');
  // A compiler's "file:line: error: …" first, else node-gyp's own "stack Error: …".
  const firstError = (lines.find((l) => /\berror:/.test(l)) ?? lines.find((l) => /stack Error:/.test(l)) ?? lines.find((l) => /ERR!/.test(l)))
    ?.replace(/^gyp ERR! (stack )?/, '')
    .trim();
  giveUp(`node-gyp rebuild failed${nodedir === null ? ' (no local Node headers, so node-gyp had to download them)' : ''}${firstError ? `: ${firstError}` : ''}`);
}
// A child loads it: a missing libpcap.so shows here rather than at the first capture.
const load = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(OUTPUT)})`], { encoding: 'utf8' });
if (load.status !== 0) {
  giveUp(`built, but it does not load: ${tail(`${load.stderr ?? ''}`, 1)}`);
}
say(`built ${OUTPUT}`);
