// The caps of TCP stream reassembly (gateway/stream/), with their defaults and a strict check, as
// Suricata's stream.reassembly.{depth,memcap} and stream.reassembly.overlap window.

/** Caps of {@link TcpReassembler}. None can change at run time: a reassembler reads them once. */
export interface StreamConfig {
  /**
   * Bytes delivered per direction of a connection, counted from the direction's first byte (bytes
   * skipped by a gap count too, as Suricata's stream.reassembly.depth); past it the direction is
   * only counted (`stream.depth_reached`). Default 1 MiB.
   */
  depth: number;
  /**
   * Out-of-order bytes held per connection (both directions); past it a gap is taken
   * (`stream.flow_memcap`). Each held segment is charged its payload plus {@link HELD_SEGMENT_OVERHEAD}.
   * Default 256 KiB.
   */
  maxOutOfOrderPerFlow: number;
  /**
   * Reassembly memory over all connections: held out-of-order segments (charged as above) and the
   * overlap windows; past it a gap is taken (`stream.memcap`). Default 64 MiB.
   */
  maxOutOfOrderTotal: number;
  /**
   * Last delivered bytes kept per direction to compare retransmitted and overlapping data with
   * (`stream.overlap_different_data`), bytes. Kept only for a direction that has shown loss or
   * reordering (see tcp-reassembler.ts), and only while the windows fit in half of
   * `maxOutOfOrderTotal`. 0 keeps none. Default 4 KiB.
   */
  overlapWindow: number;
}

/** The defaults, frozen. */
export const STREAM_DEFAULTS: Readonly<StreamConfig> = Object.freeze({
  depth: 1 << 20,
  maxOutOfOrderPerFlow: 256 << 10,
  maxOutOfOrderTotal: 64 << 20,
  overlapWindow: 4 << 10,
});

/**
 * Bytes a held segment is charged on top of its payload: the measured V8 cost of the segment
 * record, its Buffer object and its own backing store (about 260 B on Node 20), so that a flood of
 * one-byte segments is bounded by the memcaps as tightly as a few large ones.
 */
export const HELD_SEGMENT_OVERHEAD = 256;

/**
 * How far ahead of (or behind) the next expected byte a segment may start and still be considered,
 * bytes: 2^30, the largest window TCP can advertise (RFC 7323 §2.3: scale factor at most 14, so a
 * window of at most 65535 × 2^14 < 2^30). Anything further is not in any window the peer could
 * have offered: `stream.seq_out_of_window`, ignored.
 */
export const MAX_SEQ_WINDOW = 2 ** 30;

const KEYS = Object.keys(STREAM_DEFAULTS) as (keyof StreamConfig)[];

/**
 * Checks a partial config (e.g. the `stream` section of the gateway config): no unknown keys, each
 * value a whole number ≥ 0 (depth ≥ 1) and at most 2^40. Returns every problem at once, as
 * `stream.<key>: why`; an empty list means {@link streamConfig} will accept it.
 */
export function checkStreamConfig(raw: unknown): string[] {
  if (raw === undefined) return [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return ['stream: must be an object'];
  const problems: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (!(KEYS as string[]).includes(k)) {
      problems.push(`stream.${k}: unknown key (known: ${KEYS.join(', ')})`);
      continue;
    }
    const min = k === 'depth' ? 1 : 0;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 2 ** 40) problems.push(`stream.${k}: must be a whole number from ${min} to 2^40`);
  }
  return problems;
}

/** Defaults overlaid with a checked partial config, frozen. Throws a RangeError listing every problem. */
export function streamConfig(raw?: Partial<StreamConfig>): Readonly<StreamConfig> {
  const problems = checkStreamConfig(raw);
  if (problems.length > 0) throw new RangeError(problems.join('; '));
  return Object.freeze({ ...STREAM_DEFAULTS, ...raw });
}
