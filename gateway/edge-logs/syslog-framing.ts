// Splits a syslog TCP stream into messages (RFC 6587): octet counting when a frame starts with a
// digit, else LF framing (CRLF and NUL tolerated). One per connection, incremental; never throws.
import { FRAMING_EVENT_LIST, type FramingEvent } from './edge-log-events.js';

const LF = 10, CR = 13, NUL = 0, SP = 32;

/** Most digits of a MSG-LEN: 9 covers any frame a gateway would take (under 1 GB). */
const MAX_LEN_DIGITS = 9;

/**
 * Receives each message: `frame` may be a view into the chunk passed to `push` (copy it to keep it);
 * `truncated` when the message was longer than the maximum and only its start is given.
 */
export type FrameHandler = (frame: Buffer, truncated: boolean) => void;

const enum State { Start, Length, Octets, Line }

/** An incremental RFC 6587 deframer for one TCP connection. */
export class SyslogDeframer {
  /** Framing anomalies by name. */
  readonly events: Record<FramingEvent, number>;
  /** Messages delivered. */
  frames = 0;
  private state = State.Start;
  private lenText = '';
  private remaining = 0;
  /** Kept bytes of the current frame, as views into the chunks they came in. */
  private parts: Buffer[] = [];
  private kept = 0;
  private truncated = false;

  /**
   * @param maxFrame longest message delivered, bytes; longer ones are cut (the rest skipped, the
   *   stream stays in sync) and flagged.
   * @param onFrame called once per message, synchronously from `push` or `end`.
   */
  constructor(private readonly maxFrame: number, private readonly onFrame: FrameHandler) {
    this.events = Object.fromEntries(FRAMING_EVENT_LIST.map(([name]) => [name, 0])) as Record<FramingEvent, number>;
  }

  /** Feeds the next chunk of the stream. Chunks must not be changed afterwards (frames may be views). */
  push(chunk: Buffer): void {
    const n = chunk.length;
    let pos = 0;
    let nulAt = -2; // next NUL at or after pos in this chunk; -1 none; -2 not searched yet
    while (pos < n) {
      switch (this.state) {
        case State.Start: {
          const c = chunk[pos]!;
          if (c === LF || c === CR || c === NUL) { pos++; break; } // blank lines, or a trailer after a counted frame
          if (c >= 48 && c <= 57) { this.state = State.Length; this.lenText = String.fromCharCode(c); pos++; break; }
          this.state = State.Line;
          break;
        }
        case State.Length: {
          const c = chunk[pos]!;
          if (c >= 48 && c <= 57 && this.lenText.length < MAX_LEN_DIGITS + 1) { this.lenText += String.fromCharCode(c); pos++; break; }
          if (c === SP && this.lenText.length <= MAX_LEN_DIGITS && this.lenText.charCodeAt(0) !== 48) {
            pos++;
            this.remaining = Number(this.lenText);
            this.state = State.Octets;
            if (this.remaining > this.maxFrame) this.markTruncated();
            break;
          }
          this.badLength();
          break; // the byte at pos is read again, as part of a line
        }
        case State.Octets: {
          const take = Math.min(this.remaining, n - pos);
          this.keep(chunk, pos, pos + take);
          pos += take;
          this.remaining -= take;
          if (this.remaining === 0) this.emit(false);
          break;
        }
        case State.Line: {
          const lf = chunk.indexOf(LF, pos);
          if (nulAt !== -1 && nulAt < pos) nulAt = chunk.indexOf(NUL, pos);
          const term = nulAt >= 0 && (lf < 0 || nulAt < lf) ? nulAt : lf;
          const stop = term < 0 ? n : term;
          if (this.kept + (stop - pos) > this.maxFrame && !this.truncated) this.markTruncated();
          this.keep(chunk, pos, stop);
          pos = stop;
          if (term >= 0) { pos++; this.emit(true); }
          break;
        }
      }
    }
  }

  /** The stream ended: delivers what is pending (a last line without LF, or a cut octet-counted frame). */
  end(): void {
    if (this.state === State.Length) this.badLength();
    if (this.state === State.Octets) {
      this.events['framing.incomplete']++;
      this.truncated = true;
      if (this.kept > 0) this.emit(false);
    } else if (this.state === State.Line && this.kept > 0) this.emit(true);
    this.reset();
  }

  private markTruncated(): void {
    this.truncated = true;
    this.events['framing.too_long']++;
  }

  /** A digit run that is no MSG-LEN: the line it starts is read as LF-framed, so nothing is lost. */
  private badLength(): void {
    this.events['framing.bad_length']++;
    this.keep(Buffer.from(this.lenText, 'latin1'), 0, this.lenText.length);
    this.lenText = '';
    this.state = State.Line;
  }

  private keep(buf: Buffer, from: number, to: number): void {
    const room = this.maxFrame - this.kept;
    const end = Math.min(to, from + room);
    if (end > from) {
      this.parts.push(buf.subarray(from, end));
      this.kept += end - from;
    }
  }

  private emit(line: boolean): void {
    let frame = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.kept);
    if (line && frame.length > 0 && frame[frame.length - 1] === CR) frame = frame.subarray(0, frame.length - 1);
    const truncated = this.truncated;
    this.reset();
    if (frame.length === 0) return;
    this.frames++;
    this.onFrame(frame, truncated);
  }

  private reset(): void {
    this.state = State.Start;
    this.parts = [];
    this.kept = 0;
    this.truncated = false;
    this.remaining = 0;
    this.lenText = '';
  }
}
