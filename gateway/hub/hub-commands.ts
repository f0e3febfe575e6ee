// The hub's fleet command sender: takes an analyst's command (block, quarantine, release at some
// sites or every site heard from), records it, signs one message per site with the hub's Ed25519
// key and publishes it on `edgeward.<site>.control` (core NATS), sends pending ones again every
// commands.resendMs until the site's ack arrives through the stream or the command expires.
import { randomUUID, type KeyObject } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { formatPrefix, parsePrefix } from '../../policies/net/ip-address.js';
import { parseMac } from '../common/address-text.js';
import type { EventLog } from '../common/event-log.js';
import { targetProblem } from '../fleet/command-check.js';
import { readSigningKey, signCommand } from '../fleet/command-signature.js';
import { COMMAND_ACTIONS, type CommandAction, type CommandTarget, type FleetCommand } from '../fleet/command-types.js';
import { controlSubject, isSiteId } from '../fleet/fleet-stream.js';
import { ApiError, type ErrorDetail } from '../server/api-errors.js';
import type { Db } from '../store/database.js';
import type { HubCommandsConfig } from './hub-config.js';
import { HubCommandStore, parseAck, type HubCommand } from './hub-commands-store.js';
import type { HubRecord } from './hub-record.js';

/** What POST /api/v1/commands takes. */
export interface CommandRequest {
  action: CommandAction;
  target: CommandTarget;
  /** Site ids, or 'all': every site the hub has heard from. */
  sites: string[] | 'all';
  note?: string | null;
}

/** Sender settings. */
export interface HubCommandsOptions {
  db: Db;
  config: Readonly<HubCommandsConfig>;
  /** The sites the hub has heard from ('all'). */
  knownSites: () => string[];
  /** hub.command, hub.command_ack, hub.command_error. Default silent. */
  log?: EventLog;
  /** Told of a command whose state changed (sent, acked, expired): the hub's live stream. Default none. */
  onChange?: (c: HubCommand) => void;
  /** Wall clock, ms. Default Date.now. */
  now?: () => number;
}

/** Longest note, characters; most sites in one request. */
const MAX_NOTE = 1000;
const MAX_SITES = 10_000;

/** Records, signs, sends and resends the hub's commands; takes the sites' acks. */
export class HubCommands {
  readonly store: HubCommandStore;
  private readonly key: KeyObject | null;
  private readonly log: EventLog;
  private readonly now: () => number;
  private nc: NatsConnection | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: HubCommandsOptions) {
    this.store = new HubCommandStore(opts.db);
    // The hub config check read the key already; a file changed since fails the start, loudly.
    this.key = opts.config.signingKeyFile === '' ? null : readSigningKey(opts.config.signingKeyFile);
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
  }

  /** Starts sending on `nc` (and resending every resendMs). */
  start(nc: NatsConnection): void {
    this.nc = nc;
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), Math.max(100, Math.min(this.opts.config.resendMs, 1000)));
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.nc = null;
  }

  /**
   * Checks and records a command, then sends it to each site. Throws ApiError request.invalid
   * (every fault in details), command.no-sites, or command.no-signing-key.
   */
  issue(body: unknown, issuedBy: string): HubCommand {
    if (this.key === null) throw new ApiError('command.no-signing-key');
    const req = this.check(body);
    const sites = req.sites === 'all' ? this.opts.knownSites() : [...new Set(req.sites)].sort();
    if (sites.length === 0) throw new ApiError('command.no-sites');
    const nowMs = this.now();
    const c = {
      id: randomUUID(), action: req.action, target: req.target, note: req.note ?? null, issuedBy,
      issuedAt: new Date(nowMs).toISOString(), expiresAt: new Date(nowMs + this.opts.config.ttlSeconds * 1000).toISOString(),
    };
    this.store.create(c, sites);
    this.log('hub.command', { id: c.id, action: c.action, target: c.target, sites: sites.length, issuedBy });
    this.tick();
    return this.store.get(c.id)!;
  }

  /**
   * A record from the stream, inside the consumer's batch transaction: an `ack` updates its site's
   * row. The site is the record's (its subject's), never the ack body's alone.
   */
  onRecord(r: HubRecord): void {
    if (r.kind !== 'ack') return;
    const ack = parseAck(r.data);
    if (ack === null || ack.site !== r.site) { this.log('hub.command_error', { site: r.site, id: r.id, error: 'malformed ack' }); return; }
    const id = this.store.recordAck(r.site, ack);
    if (id === null) return;
    this.log('hub.command_ack', { id, site: r.site, status: ack.status, code: ack.code });
    const c = this.store.get(id);
    if (c !== null) this.opts.onChange?.(c);
  }

  /** Expires what ran out, then signs and sends each pending site whose last send is resendMs old. */
  tick(): void {
    const nowMs = this.now();
    const nowIso = new Date(nowMs).toISOString();
    if (this.store.expire(nowIso) > 0) this.log('hub.command_expired', {});
    const nc = this.nc;
    if (nc === null || nc.isClosed() || this.key === null) return;
    for (const p of this.store.pending(nowIso)) {
      if (p.lastSentMs !== 0 && nowMs - p.lastSentMs < this.opts.config.resendMs) continue;
      const cmd: FleetCommand = { ...p.command, site: p.site };
      try {
        // Core NATS, not the stream: a command for a site that is away is sent again later, and
        // one that expired meanwhile is never applied. publish() queues while disconnected.
        nc.publish(controlSubject(p.site), JSON.stringify(signCommand(cmd, this.key)));
      } catch (e) {
        this.log('hub.command_error', { id: cmd.id, site: p.site, error: (e as Error).message });
        continue;
      }
      this.store.sent(cmd.id, p.site, nowMs);
    }
  }

  /** A request body checked field by field; throws ApiError request.invalid with every fault. */
  private check(body: unknown): CommandRequest {
    const problems: ErrorDetail[] = [];
    const b = body !== null && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : null;
    if (b === null) throw new ApiError('request.invalid', 'the body must be an object {action, target, sites, note?}', [{ path: '', message: 'must be an object' }]);
    for (const k of Object.keys(b)) if (!['action', 'target', 'sites', 'note'].includes(k)) problems.push({ path: `/${k}`, code: 'unknown', message: 'unknown member' });
    const action = b.action as CommandAction;
    if (!COMMAND_ACTIONS.includes(action)) problems.push({ path: '/action', code: 'enum', message: `must be one of ${COMMAND_ACTIONS.join(', ')}` });
    else {
      const tp = targetProblem(action, b.target);
      if (tp !== null) problems.push({ path: '/target', code: 'shape', message: tp });
      else problems.push(...targetValueProblems(b.target as CommandTarget));
    }
    const sites = b.sites;
    if (sites !== 'all' && !(Array.isArray(sites) && sites.length <= MAX_SITES && sites.every(isSiteId))) {
      problems.push({ path: '/sites', code: 'sites', message: `must be 'all' or a list of site ids (at most ${MAX_SITES})` });
    }
    const note = b.note;
    if (!(note === undefined || note === null || (typeof note === 'string' && note.length <= MAX_NOTE))) problems.push({ path: '/note', code: 'text', message: `must be at most ${MAX_NOTE} characters` });
    if (problems.length > 0) throw new ApiError('request.invalid', problems.map((p) => `${p.path} ${p.message}`).join('; '), problems);
    const t = b.target as CommandTarget;
    // The peer is sent canonical, as the gateways store it (a release by peer matches it).
    const target: CommandTarget = t.peer !== undefined ? { peer: formatPrefix(parsePrefix(t.peer.trim())!) } : { ...t };
    return { action, target, sites: sites as string[] | 'all', note: typeof note === 'string' && note.trim() !== '' ? note.trim() : null };
  }
}

/** The address or MAC of a target, checked here so an obvious typo is a 400, not a refusal from every site. */
function targetValueProblems(t: CommandTarget): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  if (t.peer !== undefined) {
    const p = parsePrefix(t.peer.trim());
    if (p === null) out.push({ path: '/target/peer', code: 'address', message: 'must be an IPv4 or IPv6 address or network (CIDR)' });
    else if (p.hostBits) out.push({ path: '/target/peer', code: 'host-bits', message: `has bits set past the prefix length; the network is ${formatPrefix(p)}` });
  }
  if (t.device !== undefined && parseMac(t.device) < 0) out.push({ path: '/target/device', code: 'mac', message: 'must be a MAC address (aa:bb:cc:dd:ee:ff)' });
  if (t.domain !== undefined && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/i.test(t.domain)) {
    out.push({ path: '/target/domain', code: 'domain', message: 'must be a DNS name (example.com)' });
  }
  return out;
}
