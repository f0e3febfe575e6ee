// The gateway's side of fleet commands: listens on `edgeward.<site>.control` (core NATS, on the fleet
// link's connection), checks each message (shape, Ed25519 signature, site, time), applies a good
// command once through the daemon's response actions, and answers every command with an `ack`
// record through the outbox (durable: an ack made while NATS is away is sent when it returns).
import type { KeyObject } from 'node:crypto';
import type { NatsConnection, Subscription } from 'nats';
import { formatPrefix, parsePrefix } from '../../policies/net/ip-address.js';
import { macToString, parseMac } from '../common/address-text.js';
import type { EventLog } from '../common/event-log.js';
import { ev, type DecodeCounters } from '../common/events.js';
import type { Db } from '../store/database.js';
import { storeWrite } from '../store/storage-guard.js';
import type { ResponseActions } from '../response/response-actions.js';
import { ResponseError } from '../response/response-errors.js';
import { checkCommand, parseSignedCommand, type CommandRefusal } from './command-check.js';
import { canonicalDomain, type DomainBlocks } from './command-domains.js';
import { CommandStore } from './command-store.js';
import { ackRecordId, type AckStatus, type CommandAck, type FleetCommand } from './command-types.js';
import { controlSubject } from './fleet-stream.js';
import type { Outbox } from './outbox.js';

/** Commands answered since start, by status (health `fleet.commands`). */
export interface CommandCounts {
  applied: number;
  refused: number;
  failed: number;
  /** Commands received again (a resend) and answered with the stored result, not applied again. */
  repeats: number;
}

/** Listener settings. */
export interface CommandListenerOptions {
  site: string;
  /** The verified public keys of fleet.commandKeys (none: every command is refused `command.no-key`). */
  keys: readonly KeyObject[];
  db: Db;
  outbox: Outbox;
  responses: ResponseActions;
  /** Domain blocks (the addresses DNS answers give for a domain); none: a domain target is refused `command.unsupported-target`. */
  domains?: DomainBlocks;
  /** fleet.command_refused, fleet.command_applied, fleet.command_failed. Default silent. */
  log?: EventLog;
  /** The gateway's named counters: each refusal counts `fleet.command_refused`. Default none. */
  counters?: DecodeCounters;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
}

/** Control messages waiting to be handled at most; past it a message is dropped (the hub resends). */
const MAX_QUEUED = 256;

/** Checks, applies and acks the commands of one site. */
export class CommandListener {
  private readonly store: CommandStore;
  private readonly log: EventLog;
  private readonly now: () => number;
  private readonly countsNow: CommandCounts = { applied: 0, refused: 0, failed: 0, repeats: 0 };
  private sub: Subscription | null = null;
  /** Messages are handled one at a time, in arrival order: a resend waits for the first copy's answer. */
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private stopped = false;

  constructor(private readonly opts: CommandListenerOptions) {
    this.store = new CommandStore(opts.db);
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
  }

  /** Subscribes on a (new) connection of the fleet link; the client keeps the subscription across its own reconnects. */
  attach(nc: NatsConnection): void {
    if (this.stopped) return;
    try {
      this.sub = nc.subscribe(controlSubject(this.opts.site), {
        callback: (err, msg) => {
          if (err !== null) { this.log('fleet.error', { error: `control: ${err.message}` }); return; }
          void this.enqueue(msg.data);
        },
      });
    } catch (e) {
      // The connection closed under us: the link connects again and calls attach then.
      this.log('fleet.error', { error: `control: ${(e as Error).message}` });
    }
  }

  /** Stops listening; resolves when the message in hand is answered. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.sub?.unsubscribe();
    this.sub = null;
    await this.chain;
  }

  /** Commands answered since start, by status. */
  counts(): CommandCounts {
    return { ...this.countsNow };
  }

  /** Handles one control message body (the subscription's callback; tests call it directly). */
  enqueue(body: Uint8Array): Promise<void> {
    if (this.queued >= MAX_QUEUED) {
      this.log('fleet.command_dropped', { reason: 'queue full', queued: this.queued });
      return Promise.resolve();
    }
    this.queued++;
    // Copied: the client may reuse the message buffer after the callback returns.
    const copy = Uint8Array.from(body);
    this.chain = this.chain.then(() => this.handle(copy)).catch((e: unknown) => {
      this.log('fleet.error', { error: `control: ${(e as Error)?.message ?? String(e)}` });
    }).finally(() => { this.queued--; });
    return this.chain;
  }

  private async handle(body: Uint8Array): Promise<void> {
    if (this.stopped) return;
    const parsed = parseSignedCommand(body);
    if ('code' in parsed) { this.refuseUnverified(parsed, null); return; }
    const refusal = checkCommand(parsed, this.opts.site, this.opts.keys, this.now());
    const c = parsed.command;
    if (refusal !== null && refusal.code !== 'command.expired' && refusal.code !== 'command.not-yet-valid') {
      this.refuseUnverified(refusal, c);
      return;
    }
    // Signed by the hub for this site: its answer is stored and a repeat is answered the same.
    const before = this.store.get(c.id, this.opts.site);
    if (before !== null) { this.countsNow.repeats++; this.sendAck(before); return; }
    const ack = refusal !== null ? this.answer(c.id, 'refused', refusal.code, refusal.message, null) : await this.apply(c);
    storeWrite(this.opts.db, 'fleet_commands', () => this.store.put(c, ack));
    this.count(ack, c);
    this.sendAck(ack);
  }

  /** Applies a verified command through the response layer; never throws. */
  private async apply(c: FleetCommand): Promise<CommandAck> {
    const r = this.opts.responses;
    const by = `hub:${c.issuedBy}`;
    const t = c.target;
    try {
      if (t.domain !== undefined) return await this.applyDomain(c, t.domain, by);
      if (c.action === 'block') {
        const { action } = await r.take({ kind: 'block', peer: t.peer! }, { by, note: c.note });
        return this.answer(c.id, 'applied', null, null, action.id);
      }
      if (c.action === 'quarantine') {
        const { action } = await r.take({ kind: 'quarantine', device: t.device! }, { by, note: c.note });
        return this.answer(c.id, 'applied', null, null, action.id);
      }
      const id = t.actionId ?? this.activeActionId(t.peer, t.device);
      if (id === null) return this.answer(c.id, 'refused', 'action.not-found', `no active action for ${t.peer ?? t.device}`, null);
      const released = await r.release(id, by);
      return this.answer(c.id, 'applied', null, null, released.id);
    } catch (e) {
      if (e instanceof ResponseError) return this.answer(c.id, 'refused', e.code, e.message, null);
      return this.answer(c.id, 'failed', 'command.apply-failed', (e as Error)?.message ?? String(e), null);
    }
  }

  /** A domain block or release, through the domain blocks (addresses blocked as DNS answers show them). */
  private async applyDomain(c: FleetCommand, name: string, by: string): Promise<CommandAck> {
    const domains = this.opts.domains;
    if (domains === undefined) return this.answer(c.id, 'refused', 'command.unsupported-target', 'this gateway blocks addresses and networks only, not domains', null);
    const domain = canonicalDomain(name);
    if (domain === null) return this.answer(c.id, 'refused', 'action.invalid', `${JSON.stringify(name)} is not a DNS name`, null);
    if (c.action === 'block') {
      const added = domains.block(domain, c.id, by, c.note);
      return this.answer(c.id, 'applied', null, `${added ? 'blocking' : 'already blocking'} the addresses DNS answers give for ${domain} and names under it, as they are seen`, null);
    }
    const released = await domains.release(domain, by);
    if (released === null) return this.answer(c.id, 'refused', 'action.not-found', `${domain} is not blocked`, null);
    return this.answer(c.id, 'applied', null, `released ${domain} and ${released} address block(s) made for it`, null);
  }

  /** The id of the active block of `peer` or quarantine of `device` (canonical forms compared), or null. */
  private activeActionId(peer: string | undefined, device: string | undefined): string | null {
    const active = this.opts.responses.list({ state: 'active', limit: 1000 });
    if (peer !== undefined) {
      const p = parsePrefix(peer.trim());
      const canon = p === null ? null : formatPrefix(p);
      return active.find((a) => a.peer !== null && a.peer === canon)?.id ?? null;
    }
    const mac = parseMac(device ?? '');
    const canon = mac < 0 ? null : macToString(mac);
    return active.find((a) => a.device !== null && a.device === canon)?.id ?? null;
  }

  /**
   * A refusal before the command is known to be the hub's for this site: logged, counted and acked
   * (when the message had a command id) under its own record id, and not stored: a forged message
   * must not take the place of the real command of the same id.
   */
  private refuseUnverified(r: CommandRefusal, c: FleetCommand | null): void {
    const ack = r.commandId === null ? null : this.answer(r.commandId, 'refused', r.code, r.message, null);
    this.countsNow.refused++;
    this.opts.counters?.add(ev('fleet.command_refused'));
    this.log('fleet.command_refused', { id: r.commandId, code: r.code, message: r.message, action: c?.action ?? null, issuedBy: c?.issuedBy ?? null });
    if (ack !== null) this.opts.outbox.add('ack', `${ackRecordId(ack.commandId)}:${r.code}`, ack);
  }

  private count(ack: CommandAck, c: FleetCommand): void {
    this.countsNow[ack.status]++;
    const fields = { id: c.id, action: c.action, target: c.target, issuedBy: c.issuedBy, code: ack.code, message: ack.message, actionId: ack.actionId };
    if (ack.status === 'refused') {
      this.opts.counters?.add(ev('fleet.command_refused'));
      this.log('fleet.command_refused', fields);
    } else this.log(ack.status === 'applied' ? 'fleet.command_applied' : 'fleet.command_failed', fields);
  }

  private answer(commandId: string, status: AckStatus, code: string | null, message: string | null, actionId: string | null): CommandAck {
    return { commandId, site: this.opts.site, status, code, message, actionId, at: new Date(this.now()).toISOString() };
  }

  /**
   * Puts the ack in the outbox. A repeat of an ack still waiting is not added twice; one sent
   * before is sent again under the same id, which JetStream and the hub drop as a duplicate.
   */
  private sendAck(ack: CommandAck): void {
    this.opts.outbox.add('ack', ackRecordId(ack.commandId), ack);
  }
}
