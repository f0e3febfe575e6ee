// `edgeward start [--config FILE]`: the gateway daemon. With `capture.interface` it runs on that
// live interface; without one it runs the bundled demo (a generated home network replayed in a
// loop). The API and dashboard listen on server.host:server.port (127.0.0.1:8080). Its log is JSON
// lines on stdout; the first start prints the admin token once, on stderr, never in the log (the
// demo also a vendor token for its signed-upload walk-through).
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../plugins/gateway-config.js';
import { jsonLinesLog } from '../common/event-log.js';
import { GatewayDaemon } from '../daemon/gateway-daemon.js';
import type { CliIo } from './cli-io.js';

/** The domain of the demo vendor token: the owner of the demo profiles' MUD URLs (https://mud.example.com/…). */
const DEMO_VENDOR_DOMAIN = 'example.com';

export async function runStart(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  const cfg = loadConfig(values.config ?? process.env.EDGEWARD_CONFIG);
  if (!cfg.capture.interface && !cfg.demo.enabled) {
    io.stderr('edgeward: nothing to watch: set capture.interface (e.g. EDGEWARD_CAPTURE_INTERFACE=br-lan) or leave demo.enabled on.\n');
    return 1;
  }
  const daemon = new GatewayDaemon(cfg, jsonLinesLog(io.stdout));
  if (daemon.tokens.count('admin') === 0) {
    const t = daemon.tokens.create({ role: 'admin', name: 'first start' });
    // Shown once, on the terminal only: the database keeps its SHA-256, the log gets nothing.
    io.stderr(`edgeward: created the first admin token (shown once; only its hash is stored):\n\n    ${t.token}\n\n` +
      'edgeward: sign in to the dashboard with it; more tokens: edgeward token create --role analyst\n');
  }
  if (daemon.sourceKind === 'demo' && daemon.tokens.count('vendor') === 0) {
    // The demo's vendor, so its signed upload can be tried at once (README "For vendors"); the
    // demo trusts the demo vendor CA for mud.example.com only while the demo runs.
    const v = daemon.tokens.create({ role: 'vendor', vendor: DEMO_VENDOR_DOMAIN, name: 'demo vendor (Example Home)' });
    // Short from the repository root (`npm start`), absolute from anywhere else.
    const dir = join(daemon.root, 'policies', 'profiles');
    const rel = relative(process.cwd(), dir);
    const profiles = rel.startsWith('..') ? dir : rel;
    io.stderr(`edgeward: demo: created a vendor token for ${DEMO_VENDOR_DOMAIN} (shown once):\n\n    ${v.token}\n\n` +
      `edgeward: demo: with it, upload a profile signed by the demo vendor (${profiles}/*.p7s, or sign one: edgeward mud sign FILE ` +
      `--cert ${profiles}/demo-pki/demo-vendor.pem --key ${profiles}/demo-pki/demo-vendor.key); README "For vendors" shows how\n`);
  }
  try {
    await daemon.start();
  } catch (e) {
    io.stderr(`edgeward: could not start: ${(e as Error).message}\n`);
    await daemon.stop().catch(() => {});
    return 1;
  }
  io.stderr(`edgeward: ${daemon.sourceKind === 'demo' ? 'demo running' : `watching ${cfg.capture.interface}`}; dashboard and API on ${daemon.url}/\n`);
  process.on('SIGHUP', () => daemon.reload());
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  await daemon.stop();
  return 0;
}
