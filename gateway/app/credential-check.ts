// The passive default-credential check as the app modules see it (telnet, HTTP Basic, FTP): a login
// that succeeded is looked up in the bundled lists, and only the list's name leaves the module. The
// lists live in gateway/exposure/; the defaultCredential detector's factory carries the lookup
// (gateway/plugins/standard-plugins.ts) and the sensor hands it down unless config
// privacy.defaultCredentials is off, so this layer imports nothing above it. A module without a
// check never reads a client's login bytes.

/** How a module asks whether a pair is on a bundled default-credential list. */
export interface CredentialCheck {
  /** Longest user or password on any list, bytes: a longer one cannot match and need not be kept. */
  readonly maxBytes: number;
  /**
   * The name of the list holding the pair, or null. The caller forgets `user` and `password` once it
   * has the answer: they are never put in a record, an event or an error.
   */
  listOf(user: string, password: string): string | null;
}

/**
 * One typed line of a login (a user name or a password), held in a fixed buffer of
 * `CredentialCheck.maxBytes` only until the login is judged, then zeroed. Longer input is marked
 * `over` (it is on no list) rather than kept.
 */
export class CredentialLine {
  private readonly buf: Buffer;
  private len = 0;
  /** More bytes came than the buffer holds: the line is on no list. */
  private over = false;
  /** The line ended (its line end came, or the server moved on to the next prompt). */
  complete = false;

  constructor(maxBytes: number) {
    this.buf = Buffer.alloc(maxBytes);
  }

  /** One typed byte. */
  push(c: number): void {
    if (this.len === this.buf.length) this.over = true;
    else this.buf[this.len++] = c;
  }

  /** Backspace (BS, DEL, telnet EC): the last byte goes. */
  erase(): void {
    if (this.len > 0) this.buf[--this.len] = 0;
  }

  /** Bytes `b[s, e)` at once (an FTP argument); past the buffer the line is `over`. */
  append(b: Buffer, s: number, e: number): void {
    const n = Math.min(e - s, this.buf.length - this.len);
    if (n > 0) {
      b.copy(this.buf, this.len, s, s + n);
      this.len += n;
    }
    if (n < e - s) this.over = true;
  }

  /** Forgets the line: zeroes what it held. */
  clear(): void {
    this.buf.fill(0, 0, this.len);
    this.len = 0;
    this.over = false;
    this.complete = false;
  }

  /** The line as text (latin1: the lists are ASCII), or null when it did not end or was too long. */
  text(): string | null {
    return this.complete && !this.over ? this.buf.toString('latin1', 0, this.len) : null;
  }
}

/**
 * Looks up the pair in `user` and `password` and clears both: the list's name, or null when either
 * line is unfinished or too long, or the pair is on no list.
 */
export function judgePair(check: CredentialCheck, user: CredentialLine, password: CredentialLine): string | null {
  const u = user.text(), p = password.text();
  user.clear();
  password.clear();
  return u === null || p === null ? null : check.listOf(u, p);
}
