// Response actions an analyst takes from an incident: quarantine a LAN device (held to gateway
// services only) or block an external peer (an address or a network, dropped to and from every
// device). Each is recorded in SQLite with who, when, why and the incident, is reversible (release),
// and goes to the enforcer when policy.mode is enforce; in monitor mode it is recorded only (a
// quarantined device still shows as quarantined). Active actions are re-applied at start.
import { randomBytes } from 'node:crypto';
import { formatPrefix, parsePrefix } from '../../policies/net/ip-address.js';
import { macToString as formatMac, parseMac } from '../common/address-text.js';
import type { EventLog } from '../common/event-log.js';
import type { Db } from '../store/database.js';
import { ActionStore, type ActionFilter, type ResponseAction } from './action-store.js';
import { ProtectedAddresses } from './protected-addresses.js';
import { ResponseError, type ResponseErrorDetail } from './response-errors.js';

/** What to do. */
export type ActionRequest = { kind: 'quarantine'; device: string } | { kind: 'block'; peer: string };

/** Who takes it, and the context it is taken in. */
export interface ActionMeta {
  /** Token name and public id (never the token). */
  by: string;
  incident?: string | null;
  note?: string | null;
}

/**
 * Where actions are enforced (the daemon wires the policy layer and the nftables enforcer). Each
 * resolves true when the kernel holds the change, false when it is recorded only (monitor mode) or
 * enforcement refused it; never rejects.
 */
export interface ResponseEnforcement {
  /** Holds a device (48-bit MAC) to the quarantine default, or lets it go. */
  holdDevice(mac: number, on: boolean): Promise<boolean>;
  /** Sets the whole list of blocked peers (addresses or prefixes). */
  blockPeers(peers: readonly string[]): Promise<boolean>;
}

/** Options of {@link ResponseActions}. */
export interface ResponseActionsOptions {
  /** policy.emergency: never blocked, and no device holding one of them is quarantined. */
  readonly emergency: readonly string[];
  /** The gateway's own addresses (policy.gatewayAddresses and its interfaces): the same protection. */
  readonly gatewayAddresses: readonly string[];
  /** The addresses a device (MAC text) holds now. Default: none known. */
  readonly deviceAddresses?: (mac: string) => readonly string[];
  readonly enforcement: ResponseEnforcement;
  readonly log?: EventLog;
  /** Clock. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** Longest incident id and note, characters. */
export const MAX_INCIDENT_LENGTH = 200;
export const MAX_NOTE_LENGTH = 1000;

/** Printable text: no control characters (C0, DEL, C1). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Takes, releases, lists and restores response actions. */
export class ResponseActions {
  private readonly store: ActionStore;
  private readonly protectedAddresses: ProtectedAddresses;
  private readonly now: () => Date;
  private readonly log: EventLog;

  constructor(db: Db, private readonly opts: ResponseActionsOptions) {
    this.store = new ActionStore(db);
    this.protectedAddresses = new ProtectedAddresses(opts.emergency, opts.gatewayAddresses);
    this.now = opts.now ?? (() => new Date());
    this.log = opts.log ?? (() => {});
  }

  /**
   * Takes an action. Throws ResponseError `action.invalid` (a malformed MAC, address, network,
   * incident id or note, each fault in `details`) or `action.emergency` (the peer is, holds or lies
   * inside an emergency or gateway address; the device holds one). The same action already active
   * (same device, or same canonical peer) is answered as it is, `created` false. Otherwise recorded,
   * then enforced; `enforced` says whether the kernel took it.
   */
  async take(req: ActionRequest, meta: ActionMeta): Promise<{ action: ResponseAction; created: boolean }> {
    const problems: ResponseErrorDetail[] = [];
    let device: string | null = null;
    let peer: string | null = null;
    if (req.kind === 'quarantine') {
      const mac = parseMac(String(req.device));
      if (mac < 0) problems.push({ path: '/device', code: 'mac', message: 'must be a MAC address (aa:bb:cc:dd:ee:ff)' });
      else device = formatMac(mac);
    } else if (req.kind === 'block') {
      const text = String(req.peer).trim();
      const p = parsePrefix(text);
      if (p === null) problems.push({ path: '/peer', code: 'address', message: 'must be an IPv4 or IPv6 address or network (CIDR)' });
      else if (p.hostBits) problems.push({ path: '/peer', code: 'host-bits', message: `has bits set past the prefix length; the network is ${formatPrefix(p)}` });
      else peer = formatPrefix(p);
    } else {
      problems.push({ path: '/kind', code: 'enum', message: 'must be quarantine or block' });
    }
    const incident = this.text(meta.incident, '/incident', MAX_INCIDENT_LENGTH, false, problems);
    const note = this.text(meta.note, '/note', MAX_NOTE_LENGTH, true, problems);
    if (problems.length > 0) throw new ResponseError('action.invalid', problems.map((p) => `${p.path} ${p.message}`).join('; '), problems);

    if (peer !== null) {
      const hit = this.protectedAddresses.conflict(parsePrefix(peer)!);
      if (hit !== null) throw new ResponseError('action.emergency', `${peer} ${hit.entry === peer ? 'is' : 'meets'} ${hit.list === 'emergency' ? 'the emergency list entry' : 'the gateway address'} ${hit.entry}: never blocked`);
    } else {
      for (const ip of this.opts.deviceAddresses?.(device!) ?? []) {
        const p = parsePrefix(ip);
        const hit = p === null ? null : this.protectedAddresses.conflict(p);
        if (hit !== null) throw new ResponseError('action.emergency', `device ${device} holds ${ip}, ${hit.list === 'emergency' ? 'on the emergency list' : 'a gateway address'}: never quarantined`);
      }
    }

    const same = this.store.active().find((a) => (device !== null ? a.device === device : a.peer === peer));
    if (same !== undefined) return { action: same, created: false };
    const id = `act_${randomBytes(8).toString('hex')}`;
    const action = this.store.insert({ id, kind: req.kind, device, peer, incident, note, by: meta.by, at: this.now().toISOString() });
    const enforced = device !== null ? await this.opts.enforcement.holdDevice(parseMac(device), true) : await this.opts.enforcement.blockPeers(this.activePeers());
    this.store.setEnforced(id, enforced);
    this.log('response.action', { id, kind: action.kind, device, peer, incident, state: 'active', enforced, by: meta.by });
    return { action: this.store.get(id) ?? { ...action, enforced }, created: true };
  }

  /**
   * Releases an active action and takes it out of enforcement: the device goes back to its profile
   * (or the no-profile default), the peer's traffic passes again. A released action is answered as
   * it is. Throws ResponseError `action.not-found`.
   */
  async release(id: string, by: string): Promise<ResponseAction> {
    const a = this.store.get(id);
    if (a === null) throw new ResponseError('action.not-found');
    if (!this.store.release(id, by, this.now().toISOString())) return a;
    // One active quarantine per device (take answers the active one): its release lets the device go.
    const enforced = a.kind === 'quarantine'
      ? await this.opts.enforcement.holdDevice(parseMac(a.device!), false)
      : await this.opts.enforcement.blockPeers(this.activePeers());
    this.log('response.action', { id, kind: a.kind, device: a.device, peer: a.peer, incident: a.incident, state: 'released', enforced, by });
    return this.store.get(id)!;
  }

  get(id: string): ResponseAction | null {
    return this.store.get(id);
  }

  /** Actions matching the filter, newest first. */
  list(f: ActionFilter = {}): ResponseAction[] {
    return this.store.list(f);
  }

  /** The peers of the active blocks, oldest first. */
  activePeers(): string[] {
    return this.store.active().filter((a) => a.peer !== null).map((a) => a.peer!);
  }

  /**
   * Re-applies every active action (at start, before the first rule set goes to the kernel) and
   * records whether each is enforced now: an action taken in monitor mode becomes enforced when the
   * gateway restarts in enforce mode, and the other way round. Returns how many are active.
   */
  async restore(): Promise<number> {
    const active = this.store.active();
    const blocks = active.filter((a) => a.kind === 'block');
    const blocked = blocks.length > 0 ? await this.opts.enforcement.blockPeers(this.activePeers()) : false;
    for (const a of blocks) this.store.setEnforced(a.id, blocked);
    for (const a of active) {
      if (a.kind !== 'quarantine') continue;
      this.store.setEnforced(a.id, await this.opts.enforcement.holdDevice(parseMac(a.device!), true));
    }
    return active.length;
  }

  /** An optional text member: null when absent or blank, else printable (a note may have lines and tabs), at most `max` characters. */
  private text(v: unknown, path: string, max: number, lines: boolean, problems: ResponseErrorDetail[]): string | null {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') { problems.push({ path, code: 'type', message: 'must be a string' }); return null; }
    const t = v.trim();
    if (t.length > max || CONTROL.test(lines ? t.replace(/[\n\t]/g, ' ') : t)) {
      problems.push({ path, code: 'text', message: `must be at most ${max} printable characters` });
      return null;
    }
    return t === '' ? null : t;
  }
}
