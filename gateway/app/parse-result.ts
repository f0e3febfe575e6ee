// How parsers over TCP answer: a record, "need more bytes", or a named decode event.
// Parsers over UDP answer a record or a negated decode event code.

/** Result of a parser that reads a byte stream which may arrive in pieces. */
export type StreamParse<T> =
  | { status: 'ok'; value: T; /** bytes consumed */ end: number }
  | { status: 'incomplete' }
  | { status: 'error'; /** negated decode event code */ event: number };
