// `edgeward start [--config FILE]`: the gateway daemon. With `capture.interface` it runs on that
// live interface; without one it runs the bundled demo (a generated home network replayed in a
// loop). The API and dashboard listen on server.host:server.port (127.0.0.1:8080). Its log is JSON
// lines on stdout; the first start prints the admin token once, on stderr, never in the log.
import { parseArgs } from 'node:util';
import { loadConfig } from '../plugins/gateway-config.js';
import { jsonLinesLog } from '../common/event-log.js';
import { GatewayDaemon } from '../daemon/gateway-daemon.js';
import type { CliIo } from './cli-io.js';

export const START_USAGE = 'edgeward start [--config FILE]                       daemon: API, WebSocket, dashboard (demo without capture.interface)';

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
