// The WebSocket stream's client message parser on mutated text frames. Contract: parseClientMessage
// never throws; it answers a well-formed message or one of the stream error codes.
import { parseClientMessage, STREAM_ERRORS } from '../../server/stream-protocol.js';
import { isTopic } from '../../store/stream-journal.js';
import type { SeededRandom } from '../../synth/seeded-random.js';
import { mutateBytes } from '../byte-mutator.js';
import { FuzzInvariantError, type FuzzTarget } from '../fuzz-target.js';
import { chance, pick } from '../iteration-random.js';
import { mutateJson } from '../json-mutator.js';

const STREAM_SEEDS = [
  '{"type":"subscribe","topics":["alert","log","device"],"since":0}',
  '{"type":"subscribe","topics":["alert"],"since":12345}',
  '{"type":"subscribe"}',
  '{"type":"subscribe","since":null}',
  '{"type":"ping"}',
];

const STREAM_DICT = ['{', '}', '[', ']', '"type"', '"subscribe"', '"ping"', '"topics"', '"since"', '"alert"', '-1', '1e999', '9007199254740993', 'null', ','].map((s) => Buffer.from(s));

export const streamMessageTarget: FuzzTarget = {
  name: 'stream-message',
  description: 'parseClientMessage (WebSocket client frames) on mutated JSON text: never throws, a message or a stream error code',
  ext: 'json',
  generator() {
    const raw = STREAM_SEEDS.map((s) => Buffer.from(s));
    return (rng: SeededRandom) => (chance(rng, 0.8)
      ? mutateJson(pick(rng, STREAM_SEEDS), rng, raw, { dict: STREAM_DICT, maxLen: 1 << 20 })
      : mutateBytes(pick(rng, raw), rng, raw, { dict: STREAM_DICT, maxLen: 4096 }));
  },
  open() {
    return {
      run(input: Buffer): void {
        const r = parseClientMessage(input.toString('utf8'));
        if (!r.ok) {
          if (!(r.code in STREAM_ERRORS)) throw new FuzzInvariantError(`unregistered error code ${r.code}`);
          return;
        }
        const m = r.message;
        if (m.type === 'ping') return;
        if (m.type !== 'subscribe') throw new FuzzInvariantError(`message type ${String((m as { type: unknown }).type)}`);
        if (m.topics.length === 0 || !m.topics.every(isTopic)) throw new FuzzInvariantError(`topics ${JSON.stringify(m.topics)}`);
        if (m.since !== null && !(Number.isSafeInteger(m.since) && m.since >= 0)) throw new FuzzInvariantError(`since ${m.since}`);
      },
    };
  },
};
