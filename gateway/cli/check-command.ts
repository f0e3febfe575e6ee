// `edgeward check`: the home-router checklist (firewall, NAT, DNS filtering, UPnP, remote
// administration, edgeward without root) on this box or in a network namespace; a table, or --json.
import { parseArgs } from 'node:util';
import { CheckError } from '../check/check-result.js';
import { renderCheckTable } from '../check/check-table.js';
import { checkGateway } from '../check/run-checks.js';
import { loadConfig } from '../plugins/gateway-config.js';
import { UsageError, type CliIo } from './cli-io.js';

/**
 * Runs the checklist; exit 0 when no item fails, 1 when one does, 2 on bad usage. The LAN defaults
 * to the config's capture.interface; --pid defaults to a running `edgeward start` (else this process).
 */
export async function runCheck(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      wan: { type: 'string' }, lan: { type: 'string' }, netns: { type: 'string' }, config: { type: 'string' },
      intel: { type: 'string', multiple: true }, pid: { type: 'string' }, json: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError('check takes no arguments');
  let pid: number | 'daemon' = 'daemon';
  if (values.pid !== undefined) {
    pid = Number(values.pid);
    if (!Number.isInteger(pid) || pid < 1) throw new UsageError('--pid takes a process id');
  }
  const configPath = values.config ?? process.env.EDGEWARD_CONFIG;
  const gw = configPath !== undefined || values.intel ? loadConfig(configPath) : undefined;
  const detect = gw && values.intel ? { ...gw.detect, intel: { ...gw.detect.intel, lists: [...((gw.detect.intel?.lists as string[] | undefined) ?? []), ...values.intel] } } : gw?.detect;
  try {
    const report = await checkGateway({
      wan: values.wan, lan: values.lan ?? (gw?.capture.interface || undefined), netns: values.netns,
      config: detect ? { detect } : undefined, pid,
    });
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderCheckTable(report));
    return report.counts.fail > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof CheckError) {
      io.stderr(`edgeward: ${e.code}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
