// The checks a gateway makes on a message from its control subject before it acts: the shape of the
// signed command (parseSignedCommand, which never throws: the bytes come off the network), then the
// signature, the site and the time window (checkCommand). Pure functions over data and a clock.
import type { KeyObject } from 'node:crypto';
import { isSiteId } from './fleet-stream.js';
import { verifyCommand } from './command-signature.js';
import { COMMAND_ACTIONS, isCommandId, type CommandAction, type CommandCode, type CommandTarget, type FleetCommand, type SignedCommand } from './command-types.js';

/** Largest control message read, bytes (a command is a few hundred). */
export const MAX_COMMAND_BYTES = 16 * 1024;
/** How far the hub's clock and the gateway's may disagree, ms (60 s): added to expiresAt, allowed before issuedAt. */
export const COMMAND_CLOCK_SKEW_MS = 60_000;
/** Longest note and issuedBy, characters. */
const MAX_NOTE = 1000;
const MAX_NAME = 200;
const MAX_TARGET = 253; // a DNS name's longest text form (RFC 1035 §2.3.4); more than any address or MAC

/** A refusal: its code, a sentence, and the command id when the message had a usable one. */
export interface CommandRefusal {
  code: CommandCode;
  message: string;
  commandId: string | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isIso = (v: unknown): v is string => typeof v === 'string' && v.length <= 40 && /^\d{4}-\d\d-\d\dT/.test(v) && !Number.isNaN(Date.parse(v));
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const text = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max && !CONTROL.test(v);

/** Which target member each action takes (exactly one of them is given). */
const TARGET_MEMBERS: Record<CommandAction, readonly (keyof CommandTarget)[]> = {
  block: ['peer', 'domain'],
  quarantine: ['device'],
  release: ['actionId', 'peer', 'device', 'domain'],
};

/** Why a target does not fit its action, or null when it does. Shared with the hub's POST check. */
export function targetProblem(action: CommandAction, target: unknown): string | null {
  if (!isObj(target)) return 'target must be an object';
  const allowed = TARGET_MEMBERS[action];
  const given = Object.keys(target);
  for (const k of given) {
    if (!(allowed as readonly string[]).includes(k)) return `target.${k} does not go with ${action} (give one of ${allowed.join(', ')})`;
    if (!text(target[k], MAX_TARGET) || String(target[k]).trim() === '') return `target.${k} must be a non-empty string of at most ${MAX_TARGET} characters`;
  }
  if (given.length !== 1) return `target needs exactly one of ${allowed.join(', ')}`;
  return null;
}

/**
 * Reads a control message body: JSON `{command, signature}` with every field of FleetCommand of
 * the right type. Returns the signed command or a `command.malformed` refusal (with the id when
 * the command had a UUID one, so the hub can be told).
 */
export function parseSignedCommand(body: Uint8Array): SignedCommand | CommandRefusal {
  const bad = (message: string, id: unknown = null): CommandRefusal => ({ code: 'command.malformed', message, commandId: isCommandId(id) ? id : null });
  if (body.byteLength > MAX_COMMAND_BYTES) return bad(`larger than ${MAX_COMMAND_BYTES} bytes`);
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return bad('not JSON');
  }
  if (!isObj(v) || !isObj(v.command) || typeof v.signature !== 'string' || v.signature.length > 200) return bad('not {command, signature}');
  const c = v.command;
  const id = c.id;
  if (!isCommandId(id)) return bad('command.id must be a lower-case UUID');
  const known = ['id', 'site', 'action', 'target', 'note', 'issuedBy', 'issuedAt', 'expiresAt'];
  const extra = Object.keys(c).find((k) => !known.includes(k));
  // An unknown member would be signed but ignored: refuse it rather than act on half of what was meant.
  if (extra !== undefined) return bad(`command.${extra}: unknown member`, id);
  if (!isSiteId(c.site)) return bad('command.site must be a site id', id);
  if (!(COMMAND_ACTIONS as readonly unknown[]).includes(c.action)) return bad(`command.action must be one of ${COMMAND_ACTIONS.join(', ')}`, id);
  const tp = targetProblem(c.action as CommandAction, c.target);
  if (tp !== null) return bad(`command.${tp}`, id);
  if (!(c.note === null || text(c.note, MAX_NOTE))) return bad(`command.note must be null or at most ${MAX_NOTE} printable characters`, id);
  if (!text(c.issuedBy, MAX_NAME) || c.issuedBy === '') return bad(`command.issuedBy must be a name of at most ${MAX_NAME} characters`, id);
  if (!isIso(c.issuedAt) || !isIso(c.expiresAt)) return bad('command.issuedAt and command.expiresAt must be ISO-8601 times', id);
  if (Date.parse(c.expiresAt) <= Date.parse(c.issuedAt)) return bad('command.expiresAt must be after issuedAt', id);
  return { command: c as unknown as FleetCommand, signature: v.signature };
}

/**
 * The checks after the shape, in this order: a key is configured, the signature verifies, the
 * command is for `site`, and `nowMs` is inside [issuedAt − skew, expiresAt + skew]. Returns null
 * when the command may be applied, else the refusal.
 */
export function checkCommand(signed: SignedCommand, site: string, keys: readonly KeyObject[], nowMs: number, skewMs = COMMAND_CLOCK_SKEW_MS): CommandRefusal | null {
  const c = signed.command;
  const refuse = (code: CommandCode, message: string): CommandRefusal => ({ code, message, commandId: c.id });
  if (keys.length === 0) return refuse('command.no-key', 'fleet.commandKeys is empty: this gateway accepts no command');
  if (!verifyCommand(c, signed.signature, keys)) return refuse('command.bad-signature', 'the signature does not verify with any key of fleet.commandKeys');
  if (c.site !== site) return refuse('command.wrong-site', `signed for site ${c.site}, this is ${site}`);
  if (nowMs > Date.parse(c.expiresAt) + skewMs) return refuse('command.expired', `expired at ${c.expiresAt}`);
  if (nowMs < Date.parse(c.issuedAt) - skewMs) return refuse('command.not-yet-valid', `issued at ${c.issuedAt}, in the future of this gateway's clock`);
  return null;
}
