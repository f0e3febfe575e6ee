// `edgeward hub [--config FILE]`: the SOC side of the fleet. Reads every site's records from the
// EDGEWARD_FLEET JetStream stream into its own SQLite file and serves them on its REST API. Its log
// is JSON lines on stdout; the first start prints an admin token once, on stderr, never in the log.
import { parseArgs } from 'node:util';
import { jsonLinesLog } from '../common/event-log.js';
import { loadHubConfig } from '../hub/hub-config.js';
import { Hub } from '../hub/hub.js';
import type { CliIo } from './cli-io.js';

export async function runHub(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  const cfg = loadHubConfig(values.config ?? process.env.EDGEWARD_HUB_CONFIG);
  const hub = new Hub(cfg, jsonLinesLog(io.stdout));
  if (hub.tokens.count('admin') === 0) {
    const t = hub.tokens.create({ role: 'admin', name: 'first start' });
    // Shown once, on the terminal only: the database keeps its SHA-256, the log gets nothing.
    io.stderr(`edgeward: created the first admin token (shown once; only its hash is stored):\n\n    ${t.token}\n\n`);
  }
  try {
    await hub.start();
  } catch (e) {
    io.stderr(`edgeward: hub could not start: ${(e as Error).message}\n`);
    await hub.stop().catch(() => {});
    return 1;
  }
  io.stderr(`edgeward: hub reading the fleet stream; API on ${hub.url}/api/v1/sites\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await hub.stop();
  return 0;
}
