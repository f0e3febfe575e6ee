// The state the beacon detector keeps for one (device, destination) pair: a ring of its last
// check-ins (time and size) and what its traffic said about itself (HTTP method and agent, the
// MUD verdict). Numbers only on the per-event path; the ring grows on demand up to its cap.

/** How a pair is keyed: by the server name the device used (SNI, HTTP Host) or by address and port. */
export type BeaconKeyKind = 'name' | 'address';

/** Ring capacity a pair's second event makes (most pairs never see more than a few events). */
const FIRST_CAPACITY = 8;
/** The ring of a pair with fewer than two events. */
const EMPTY = new Float64Array(0);

export class BeaconPair {
  /**
   * Check-in times (µs) and sizes (bytes), a ring of `n` valid entries; `head` is the next write.
   * Empty until the second event: most pairs see one connection (a page, an update check) and
   * are evicted before another, so the first event waits in `t0`/`s0` without an allocation.
   */
  times: Float64Array = EMPTY;
  sizes: Float64Array = EMPTY;
  n = 0;
  head = 0;
  private t0 = 0;
  private s0 = 0;
  /** Events ever added (the ring keeps the last `max`). */
  events = 0;
  /** Packet time of the first event, µs. */
  firstTs = Infinity;
  /** Packet time of the last event, µs. */
  lastTs = 0;
  /** The pair is scored next when `events` reaches this. */
  nextScore = 0;
  /** No alert (nor scoring) for this pair before this packet time, µs. */
  quietUntil = -Infinity;
  /** HTTP requests among the events, POSTs among them, and whether a tool's User-Agent was seen. */
  http = 0;
  posts = 0;
  agent: string | null = null;
  toolAgent = false;
  /** Events that were bursts inside one long connection rather than connections of their own. */
  bursts = 0;
  /** Events that were connections of their own that the server answered. */
  answeredConnections = 0;
  /** Events whose flow the device's MUD profile allowed (declared) or denied (undeclared). */
  declared = 0;
  undeclared = 0;

  constructor(
    readonly key: number,
    readonly kind: BeaconKeyKind,
    /** The server name (kind `name`), else null. A reference to a string the flow already holds. */
    readonly name: string | null,
    /** Most events kept. */
    private readonly max: number,
  ) {}

  /** Adds one check-in; the oldest is overwritten when the ring is at its cap. */
  add(ts: number, size: number): void {
    this.events++;
    if (ts > this.lastTs) this.lastTs = ts;
    if (ts < this.firstTs) this.firstTs = ts;
    if (this.events === 1) {
      this.t0 = ts;
      this.s0 = size;
      return;
    }
    if (this.times.length === 0) {
      this.times = new Float64Array(Math.min(FIRST_CAPACITY, this.max));
      this.sizes = new Float64Array(this.times.length);
      this.times[0] = this.t0;
      this.sizes[0] = this.s0;
      this.n = 1;
      this.head = 1;
    }
    if (this.n === this.times.length && this.n < this.max) this.grow();
    this.times[this.head] = ts;
    this.sizes[this.head] = size;
    this.head = (this.head + 1) % this.times.length;
    if (this.n < this.times.length) this.n++;
  }

  /** Doubles the ring (up to max), unrolling it so the oldest entry is first. */
  private grow(): void {
    const cap = Math.min(this.max, this.times.length * 2);
    const t = new Float64Array(cap), s = new Float64Array(cap);
    // Full ring: the oldest is at head.
    const len = this.times.length;
    for (let i = 0; i < len; i++) {
      t[i] = this.times[(this.head + i) % len]!;
      s[i] = this.sizes[(this.head + i) % len]!;
    }
    this.times = t;
    this.sizes = s;
    this.head = len;
  }
}

/** Mixes one 32-bit word into a hash (Murmur3's multiply–rotate step). */
export function mix(h: number, x: number): number {
  let k = Math.imul(x | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Final avalanche of a 32-bit hash (Murmur3 fmix32), as an unsigned number. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Two independent 32-bit hashes folded into one 53-bit safe integer key (collisions negligible at 10⁵ pairs). */
export function key53(h1: number, h2: number): number {
  return fmix(h1) * 0x200000 + (fmix(h2) >>> 11);
}

/**
 * The length of the host part of a server name to key on, or 0 when it is no name: empty, an
 * IPv6 literal ("[…]"), or an IPv4 literal. A ":port" suffix (HTTP Host) is not part of it.
 */
export function hostNameLength(s: string): number {
  const len = s.length;
  if (len === 0 || s.charCodeAt(0) === 0x5b) return 0;
  let end = len, numeric = true;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3a) { end = i; break; }
    if (!((c >= 0x30 && c <= 0x39) || c === 0x2e)) numeric = false;
  }
  return end === 0 || numeric ? 0 : end;
}

/** Hashes the first `len` characters of a name, ASCII case folded, into `h`. */
export function mixName(h: number, s: string, len: number): number {
  for (let i = 0; i < len; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    h = mix(h, c);
  }
  return mix(h, len);
}
