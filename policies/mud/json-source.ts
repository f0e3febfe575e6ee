// A strict JSON reader (RFC 8259) for MUD files. Unlike JSON.parse it reports the line and column
// of a syntax error (V8's messages often carry neither), refuses duplicate member names (parsers
// disagree on which wins) and bounds depth and size, so a hostile file cannot exhaust the stack.
// Objects are built without a prototype, so a member named `__proto__` is only data.

/** A parsed JSON value. Objects have a null prototype. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A parsed JSON object. */
export interface JsonObject {
  [member: string]: JsonValue;
}

/** Limits of the reader. */
export interface JsonSourceOptions {
  /** Longest accepted text, in UTF-16 code units. Default 1 MiB. */
  readonly maxBytes?: number;
  /** Deepest accepted nesting of objects and arrays. Default 64. */
  readonly maxDepth?: number;
}

/** Where a duplicate member name was seen. */
export interface DuplicateMember {
  /** JSON Pointer (RFC 6901) of the duplicated member. */
  readonly pointer: string;
  readonly line: number;
  readonly column: number;
}

/** The outcome of reading a JSON text. */
export type JsonSourceResult =
  | { readonly ok: true; readonly value: JsonValue; readonly duplicates: readonly DuplicateMember[] }
  | {
      readonly ok: false;
      readonly kind: 'syntax' | 'too-large' | 'too-deep';
      readonly message: string;
      /** 1-based line and column (UTF-16 code units) of the offending character. */
      readonly line: number;
      readonly column: number;
      readonly offset: number;
    };

/** Defaults of {@link JsonSourceOptions}. */
export const JSON_SOURCE_DEFAULTS = Object.freeze({ maxBytes: 1 << 20, maxDepth: 64 });

class JsonFault extends Error {
  constructor(readonly kind: 'syntax' | 'too-deep', message: string, readonly offset: number) {
    super(message);
  }
}

/** 1-based line and column of `offset` in `text` (lines end at LF; CR LF counts as one break). */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) { line++; lineStart = i + 1; }
  }
  return { line, column: offset - lineStart + 1 };
}

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Reads a JSON text; never throws. */
export function readJsonSource(text: string, opts: JsonSourceOptions = {}): JsonSourceResult {
  const maxBytes = opts.maxBytes ?? JSON_SOURCE_DEFAULTS.maxBytes;
  const maxDepth = opts.maxDepth ?? JSON_SOURCE_DEFAULTS.maxDepth;
  if (text.length > maxBytes) {
    return { ok: false, kind: 'too-large', message: `text is ${text.length} characters, the limit is ${maxBytes}`, line: 1, column: 1, offset: 0 };
  }
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // RFC 8259 §8.1: a BOM may be ignored
  const duplicates: DuplicateMember[] = [];

  const skipWs = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };
  const describe = (at: number): string => (at >= text.length ? 'end of input' : `'${text[at]}'`);
  const fail = (expected: string): never => {
    throw new JsonFault('syntax', `expected ${expected}, found ${describe(i)}`, i);
  };

  const readString = (): string => {
    // i is at the opening quote
    const start = ++i;
    let out = '';
    let chunk = start;
    for (;;) {
      if (i >= text.length) throw new JsonFault('syntax', 'unterminated string', start - 1);
      const c = text.charCodeAt(i);
      if (c === 34) { out += text.slice(chunk, i); i++; return out; }
      if (c < 0x20) throw new JsonFault('syntax', 'control character in string (escape it)', i);
      if (c !== 92) { i++; continue; }
      out += text.slice(chunk, i);
      const e = text[i + 1];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new JsonFault('syntax', 'bad \\u escape (four hex digits needed)', i);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          throw new JsonFault('syntax', `bad escape '\\${e ?? ''}' in string`, i);
      }
      i += 2;
      chunk = i;
    }
  };

  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const readNumber = (): number => {
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m || m[0] === '-' || m[0].length === 0) fail('a value');
    const end = i + m![0].length;
    const next = text.charCodeAt(end);
    // a digit, '.', 'e' right after a complete number means malformed input such as 01 or 1.
    if ((next >= 48 && next <= 57) || next === 46 || next === 101 || next === 69) {
      throw new JsonFault('syntax', 'malformed number', i);
    }
    i = end;
    return Number(m![0]);
  };

  const readValue = (pointer: string, depth: number): JsonValue => {
    skipWs();
    const c = text.charCodeAt(i);
    if (c === 123) return readObject(pointer, depth + 1);
    if (c === 91) return readArray(pointer, depth + 1);
    if (c === 34) return readString();
    if (c === 45 || (c >= 48 && c <= 57)) return readNumber();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    return fail('a value');
  };

  const readObject = (pointer: string, depth: number): JsonObject => {
    if (depth > maxDepth) throw new JsonFault('too-deep', `nesting deeper than ${maxDepth}`, i);
    i++; // {
    const obj = Object.create(null) as JsonObject;
    skipWs();
    if (text.charCodeAt(i) === 125) { i++; return obj; }
    for (;;) {
      skipWs();
      if (text.charCodeAt(i) !== 34) fail('a member name in double quotes');
      const keyAt = i;
      const key = readString();
      const memberPointer = `${pointer}/${escapePointer(key)}`;
      if (Object.prototype.hasOwnProperty.call(obj, key)) {
        const lc = lineColumn(text, keyAt);
        duplicates.push({ pointer: memberPointer, line: lc.line, column: lc.column });
      }
      skipWs();
      if (text.charCodeAt(i) !== 58) fail("':' after the member name");
      i++;
      obj[key] = readValue(memberPointer, depth);
      skipWs();
      const c = text.charCodeAt(i);
      if (c === 44) { i++; continue; }
      if (c === 125) { i++; return obj; }
      fail("',' or '}' after an object member");
    }
  };

  const readArray = (pointer: string, depth: number): JsonValue[] => {
    if (depth > maxDepth) throw new JsonFault('too-deep', `nesting deeper than ${maxDepth}`, i);
    i++; // [
    const arr: JsonValue[] = [];
    skipWs();
    if (text.charCodeAt(i) === 93) { i++; return arr; }
    for (;;) {
      arr.push(readValue(`${pointer}/${arr.length}`, depth));
      skipWs();
      const c = text.charCodeAt(i);
      if (c === 44) { i++; continue; }
      if (c === 93) { i++; return arr; }
      fail("',' or ']' after an array element");
    }
  };

  try {
    const value = readValue('', 0);
    skipWs();
    if (i < text.length) fail('end of input after the JSON value');
    return { ok: true, value, duplicates };
  } catch (err) {
    if (!(err instanceof JsonFault)) throw err;
    const { line, column } = lineColumn(text, err.offset);
    return { ok: false, kind: err.kind, message: err.message, line, column, offset: err.offset };
  }
}
