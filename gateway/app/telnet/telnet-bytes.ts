// The telnet command bytes (RFC 854 "Telnet Command Structure", RFC 855 subnegotiation) and the one
// reader of that command layer, for the passive telnet module (both sides) and the audit's telnet
// client alike.

/** Interpret As Command: the next byte is a command (IAC IAC is a data byte 255). */
export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
/** Subnegotiation begins (… IAC SE ends it). */
export const SB = 250;
/** Erase Line and Erase Character: a client's line editing sent as commands. */
export const EL = 248;
export const EC = 247;
export const SE = 240;

/** What a byte is to {@link TelnetCommandReader.step}: a data byte (IAC IAC included: the byte 255). */
export const TELNET_DATA = 0;
/** Part of a command, an option negotiation or a subnegotiation: nothing to do. */
export const TELNET_NEGOTIATION = 1;
/** The code of a two-byte command (NOP, AYT, EC, EL…). */
export const TELNET_COMMAND = 2;
/** The option of IAC WILL/WONT/DO/DONT; its verb is the reader's `verb`. */
export const TELNET_OPTION = 3;

// Where the reader is.
const AT_DATA = 0;
/** After IAC. */
const AT_COMMAND = 1;
/** After IAC WILL/WONT/DO/DONT: the option byte. */
const AT_OPTION = 2;
/** Inside IAC SB … IAC SE. */
const AT_SUB = 3;
/** IAC inside a subnegotiation. */
const AT_SUB_IAC = 4;

/** One direction's command layer, a byte at a time (no allocation: a number in, a number out). */
export class TelnetCommandReader {
  private at = AT_DATA;
  /** The verb (WILL, WONT, DO, DONT) of the last option read. */
  verb = 0;

  /** Back to data (after a gap, where the state would be a guess). */
  reset(): void {
    this.at = AT_DATA;
  }

  /** Reads byte `c`; answers what it is: TELNET_DATA, TELNET_NEGOTIATION, TELNET_COMMAND or TELNET_OPTION. */
  step(c: number): number {
    switch (this.at) {
      case AT_DATA:
        if (c !== IAC) return TELNET_DATA;
        this.at = AT_COMMAND;
        return TELNET_NEGOTIATION;
      case AT_COMMAND:
        if (c >= WILL && c <= DONT) {
          this.verb = c;
          this.at = AT_OPTION;
          return TELNET_NEGOTIATION;
        }
        if (c === SB) {
          this.at = AT_SUB;
          return TELNET_NEGOTIATION;
        }
        this.at = AT_DATA;
        return c === IAC ? TELNET_DATA : TELNET_COMMAND;
      case AT_OPTION:
        this.at = AT_DATA;
        return TELNET_OPTION;
      case AT_SUB:
        if (c === IAC) this.at = AT_SUB_IAC;
        return TELNET_NEGOTIATION;
      default:
        this.at = c === SE ? AT_DATA : AT_SUB;
        return TELNET_NEGOTIATION;
    }
  }
}
