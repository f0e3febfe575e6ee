// The telnet command bytes (RFC 854 "Telnet Command Structure", RFC 855 subnegotiation), for the
// passive telnet module and the audit's telnet client alike.

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
