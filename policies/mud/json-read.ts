// Typed readers over parsed JSON for the validators: each checks the RFC 7951 JSON type of one
// member and records a refusal naming its JSON Pointer when it is wrong.

import type { JsonObject, JsonValue } from './json-source.js';
import { ptr, type IssueSink } from './issues.js';

/** True for a JSON object (not an array, not null). */
export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Own member of a null-prototype object, or undefined. */
export function member(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

const typeName = (v: JsonValue): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;

/** Refuses with `value.wrong-type`. */
export function wrongType(sink: IssueSink, path: string, want: string, got: JsonValue): void {
  sink.add('value.wrong-type', path, `expected ${want}, found ${typeName(got)}`);
}

export function readObject(sink: IssueSink, v: JsonValue, path: string): JsonObject | undefined {
  if (isObject(v)) return v;
  wrongType(sink, path, 'an object', v);
  return undefined;
}

export function readArray(sink: IssueSink, v: JsonValue, path: string): JsonValue[] | undefined {
  if (Array.isArray(v)) return v;
  wrongType(sink, path, 'an array', v);
  return undefined;
}

export function readString(sink: IssueSink, v: JsonValue, path: string): string | undefined {
  if (typeof v === 'string') return v;
  wrongType(sink, path, 'a string', v);
  return undefined;
}

export function readBoolean(sink: IssueSink, v: JsonValue, path: string): boolean | undefined {
  if (typeof v === 'boolean') return v;
  wrongType(sink, path, 'true or false', v);
  return undefined;
}

/** An unsigned integer in [0, max] (uint8/uint16 are JSON numbers in RFC 7951 §6.1). */
export function readUint(sink: IssueSink, v: JsonValue, path: string, max: number): number | undefined {
  if (typeof v !== 'number') {
    wrongType(sink, path, 'a number', v);
    return undefined;
  }
  if (!Number.isInteger(v) || v < 0 || v > max) {
    sink.add('value.out-of-range', path, `${v} is not an integer in 0..${max}`);
    return undefined;
  }
  return v;
}

/** RFC 7951 §6.9: the `empty` type is encoded as `[null]`. */
export function readEmpty(sink: IssueSink, v: JsonValue, path: string): true | undefined {
  if (Array.isArray(v) && v.length === 1 && v[0] === null) return true;
  wrongType(sink, path, '[null] (the YANG empty type)', v);
  return undefined;
}

/** RFC 7951 §6.8: an identityref may carry its module prefix; strip a known one. */
export function stripPrefix(value: string, modules: readonly string[]): string {
  const colon = value.indexOf(':');
  if (colon < 0) return value;
  return modules.includes(value.slice(0, colon)) ? value.slice(colon + 1) : value;
}

/**
 * Reads a member that may appear under its RFC name or a draft-era alias. Warns
 * `draft.member-name` for an alias, refuses `draft.conflicting-names` when both appear.
 */
export function pickMember(
  sink: IssueSink,
  obj: JsonObject,
  path: string,
  name: string,
  aliases: readonly string[],
): { key: string; value: JsonValue; path: string } | undefined {
  const present = [name, ...aliases].filter((k) => member(obj, k) !== undefined);
  if (present.length === 0) return undefined;
  if (present.length > 1) {
    sink.add('draft.conflicting-names', ptr(path, present[1]!), `both '${present[0]}' and '${present[1]}' are given`);
    return undefined;
  }
  const key = present[0]!;
  if (key !== name) sink.add('draft.member-name', ptr(path, key), `draft-era '${key}' read as '${name}'`);
  return { key, value: obj[key]!, path: ptr(path, key) };
}

/** Host names (inet:host, RFC 6991) as lower case without a final dot, or undefined if invalid. */
export function normaliseHost(text: string): string | undefined {
  const host = text.endsWith('.') ? text.slice(0, -1) : text;
  if (host.length === 0 || host.length > 253) return undefined;
  const labels = host.split('.');
  for (const l of labels) {
    if (!/^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(l)) return undefined;
  }
  return host.toLowerCase();
}

/** True for an absolute URI (RFC 3986 scheme ":" ...). */
export function isAbsoluteUri(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(text);
}
