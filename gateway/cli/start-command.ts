// `edgeward start [--config FILE]`: the gateway daemon. With `capture.interface` it runs on that
// live interface until SIGTERM or SIGINT; its log is JSON lines on stdout.
import { parseArgs } from 'node:util';
import { GATEWAY_DEFAULTS, loadConfigFile } from '../config/load-config.js';
import { jsonLinesLog } from '../daemon/event-log.js';
import { GatewayDaemon } from '../daemon/gateway-daemon.js';
import type { CliIo } from './cli-io.js';

export async function runStart(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  const cfg = values.config ? loadConfigFile(values.config) : GATEWAY_DEFAULTS;
  if (!cfg.capture.interface) {
    io.stderr('edgeward: no capture.interface in the config: live capture needs one (e.g. {"capture": {"interface": "br-lan"}}).\n' +
      'The bundled demo, the REST API and the dashboard are not built yet; meanwhile: edgeward replay CAPTURE --json.\n');
    return 1;
  }
  const daemon = new GatewayDaemon(cfg, jsonLinesLog(io.stdout));
  await daemon.start();
  process.on('SIGHUP', () => daemon.reload());
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  await daemon.stop();
  return 0;
}
