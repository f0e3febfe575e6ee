// The words alert message templates are made of (gateway/alerts/rule-guidance.ts): what a template
// is given, and readers of evidence values that never yield "undefined", "NaN" or an empty peer —
// a finding's evidence differs by trigger and by raiser, and a template must read well with any.
import type { AlertInput } from './alert.js';

/** What a template knows beyond the alert input: the devices by name. */
export interface MessageContext {
  /** The alert's device by name (deviceName: host name, LLDP name, vendor and MAC, MAC), or null when it has none. */
  readonly device: string | null;
  /**
   * An address as a person reads it: "<device name> (<address>)" when it is an address of the
   * alert's device, else the address; `otherwise` (default "an unknown host") when there is none.
   */
  at(addr: unknown, otherwise?: string): string;
  /** Any device by MAC, named as the alert's device is; null for a value that is no MAC text. */
  nameOf(mac: unknown): string | null;
}

/** The message of a rule's new alert, from the input's fields and evidence. */
export type MessageTemplate = (a: Readonly<AlertInput>, c: MessageContext) => string;

/** A finite number, else null. */
export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A non-empty string, else null. */
export function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

/** The non-empty strings of an array (anything else: none). */
export function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];
}

/** The finite numbers of an array. */
export function nums(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : [];
}

/** An object value (evidence sub-record), else null. */
export function obj(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** The set parts joined by `sep`; null, undefined, false and '' are left out. */
export function words(parts: readonly (string | null | undefined | false)[], sep = ' '): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join(sep);
}

/** " (<inner>)" when inner is set, else ''. */
export function paren(inner: string | null | undefined | false): string {
  return typeof inner === 'string' && inner !== '' ? ` (${inner})` : '';
}

/** "n thing" / "n things"; `n` null gives `none` (default "some things"). */
export function count(n: number | null, one: string, many = `${one}s`, none = `some ${many}`): string {
  if (n === null) return none;
  return `${n} ${n === 1 ? one : many}`;
}

/** "host:port", or host alone without a port. */
export function hostPort(host: string, port: number | null): string {
  return port === null ? host : `${host}:${port}`;
}

/** x rounded to one decimal. */
export function r1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** The last part of a path ("lists/bad.txt" → "bad.txt"). */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(i + 1) : path;
}
