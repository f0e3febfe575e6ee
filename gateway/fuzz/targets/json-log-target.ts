// normalizeJsonLog on mutated bodies of `POST /api/v1/logs` (one record or an array), parsed as
// express.json parses them. Contract: it never throws; it answers records or at most 100 errors,
// each with a JSON Pointer path, and every record has an ISO-8601 time.
import { normalizeJsonLog } from '../../edge-logs/json-log.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { FuzzInvariantError, type FuzzTarget } from '../fuzz-target.js';
import { chance, pick } from '../iteration-random.js';
import { mutateJson } from '../json-mutator.js';
import { receiveTime } from './syslog-target.js';

/** Bodies a device might post. */
export const JSON_LOG_SEEDS: readonly string[] = [
  JSON.stringify({ message: 'encoder stalled', severity: 'err', ts: '2026-03-01T11:59:58.500Z', host: 'cam01', app: 'streamer', procId: '88', msgId: 'ENC' }),
  JSON.stringify([{ message: 'boot', severity: 6 }, { message: 'wifi lost', severity: 'warning', structuredData: { 'net@32473': { ssid: 'home', rssi: '-80' } } }]),
  JSON.stringify({ message: 'x', ts: '2026-01-31T12:00:00.123456789+09:00', severity: 'EMERG' }),
  JSON.stringify([{ message: '' }]),
];

export const jsonLogTarget: FuzzTarget = {
  name: 'json-log',
  description: 'normalizeJsonLog on mutated JSON bodies: never throws, bounded errors with paths, well-formed records',
  ext: 'json',
  generator() {
    return (rng: SeededRandom) => mutateJson(pick(rng, JSON_LOG_SEEDS), rng, [], { maxLen: 1 << 20, gentle: chance(rng, 0.3) });
  },
  open() {
    return {
      run(input: Buffer, rng: SeededRandom): void {
        let body: unknown;
        try {
          body = JSON.parse(input.toString('utf8'));
        } catch {
          return; // express answers request.bad-json before the handler runs
        }
        const limits = chance(rng, 0.5) ? { maxRecords: 1000, maxLineBytes: 65536 } : { maxRecords: rng.int(1, 20), maxLineBytes: rng.int(1, 100) };
        const r = normalizeJsonLog(body, '192.168.1.10', receiveTime(rng), limits);
        if ('errors' in r) {
          if (r.errors.length === 0 || r.errors.length > 100) throw new FuzzInvariantError(`${r.errors.length} errors reported (1..100 expected)`);
          for (const e of r.errors) if (typeof e.path !== 'string' || (e.path !== '' && !e.path.startsWith('/'))) throw new FuzzInvariantError(`error path ${JSON.stringify(e.path)} is no JSON Pointer`);
        } else {
          if (r.records.length > limits.maxRecords) throw new FuzzInvariantError(`${r.records.length} records accepted, over maxRecords ${limits.maxRecords}`);
          for (const rec of r.records) if (!Number.isFinite(Date.parse(rec.ts))) throw new FuzzInvariantError(`record ts ${JSON.stringify(rec.ts)} is not a time`);
        }
      },
    };
  },
};
