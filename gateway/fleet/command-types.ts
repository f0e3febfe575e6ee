// The fleet's control commands on the wire (issue 18 contract §2): what the hub signs and sends a
// site on `edgeward.<site>.control`, the ack a gateway answers through its outbox, and the one
// canonical JSON form the Ed25519 signature covers. Shared by the gateway (command-listener.ts) and
// the hub (gateway/hub/hub-commands*.ts).

/** What a command does at a site: block a peer, quarantine a device, or release either. */
export type CommandAction = 'block' | 'quarantine' | 'release';

/** Every action, in the order the API documents them. */
export const COMMAND_ACTIONS: readonly CommandAction[] = Object.freeze(['block', 'quarantine', 'release']);

/**
 * What a command acts on. `block`: `peer` (an IP address or CIDR network) or `domain`;
 * `quarantine`: `device` (a MAC); `release`: `actionId` (the site's response action) or the
 * `peer`/`device` of the active action to release. Exactly one member is given.
 */
export interface CommandTarget {
  peer?: string;
  domain?: string;
  device?: string;
  actionId?: string;
}

/** One command for one site, as signed. */
export interface FleetCommand {
  /** A UUID (lower-case), the same for every site of one hub command. */
  id: string;
  /** The site it is for: a gateway refuses another site's command. */
  site: string;
  action: CommandAction;
  target: CommandTarget;
  note: string | null;
  /** The name of the hub token that issued it (never the token). */
  issuedBy: string;
  /** ISO-8601. */
  issuedAt: string;
  /** ISO-8601: a gateway refuses the command after this (plus a small clock-skew allowance). */
  expiresAt: string;
}

/** The message body on `edgeward.<site>.control`. */
export interface SignedCommand {
  command: FleetCommand;
  /** Base64 Ed25519 signature over {@link canonicalJson}(command). */
  signature: string;
}

/** How a site answered a command. */
export type AckStatus = 'applied' | 'refused' | 'failed';

/** The data of an `ack` record (kind `ack`, id `ack:<commandId>`), sent through the gateway's outbox. */
export interface CommandAck {
  commandId: string;
  site: string;
  status: AckStatus;
  /** Why it was refused or failed ({@link COMMAND_CODES} or a response-action code such as `action.emergency`); null when applied. */
  code: string | null;
  message: string | null;
  /** The site's response action (act_…) the command made, found or released; null when none. */
  actionId: string | null;
  /** When the gateway answered, ISO-8601. */
  at: string;
}

/**
 * Why a gateway refuses or fails a command (the ack's `code`, besides the response layer's
 * `action.emergency`, `action.invalid` and `action.not-found`). Codes are never reused.
 */
export const COMMAND_CODES = Object.freeze({
  'command.malformed': 'the message is not a signed command: bad JSON, a missing or wrong-typed field, an id that is not a UUID, or a target of the wrong shape',
  'command.no-key': 'the gateway has no fleet.commandKeys: it accepts no command',
  'command.bad-signature': 'the signature does not verify with any key of fleet.commandKeys (a wrong or unknown key, or a changed command)',
  'command.wrong-site': 'the command is signed for another site',
  'command.expired': 'expiresAt has passed (beyond the clock-skew allowance)',
  'command.not-yet-valid': 'issuedAt lies in the future beyond the clock-skew allowance (a clock is wrong)',
  'command.unsupported-target': 'the gateway cannot act on this target (a domain where no DNS answers are watched)',
  'command.apply-failed': 'the response layer failed unexpectedly; the message says why',
} as const);

/** One of {@link COMMAND_CODES}. */
export type CommandCode = keyof typeof COMMAND_CODES;

/**
 * Codes given before the command is known to come from the hub (its signature is not checked, or
 * it is for another site): such a refusal is acked under its own record id and never stored, so a
 * forged message cannot stand in for the real command of the same id.
 */
export const UNVERIFIED_CODES: readonly string[] = Object.freeze(['command.malformed', 'command.no-key', 'command.bad-signature', 'command.wrong-site']);

/** A lower-case UUID (RFC 9562 text form, any version). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `s` is a command id: a lower-case UUID. */
export function isCommandId(s: unknown): s is string {
  return typeof s === 'string' && UUID.test(s);
}

/** The record id of the ack of a verified command: `ack:<commandId>` (also its Nats-Msg-Id part). */
export function ackRecordId(commandId: string): string {
  return `ack:${commandId}`;
}

/**
 * JSON with every object's keys sorted (by UTF-16 code unit) and no whitespace: the bytes the
 * signature covers, so the hub and a gateway agree whatever order their JSON had. Undefined
 * members are left out, as JSON.stringify does.
 */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}
