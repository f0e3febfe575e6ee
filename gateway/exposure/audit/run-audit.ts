// The opt-in exposure audit: for each consenting LAN device, its maintenance ports (telnet 23/2323,
// SSH 22, HTTP 80/8080), each tried with the bundled default-credential lists until one pair logs
// in, under one global attempt rate. Every target is checked (consent, LAN address, not the
// gateway's own) before the first connection; a refused one stops the whole audit, nothing sent.
// The result of a device is an AuditRun for the exposure inventory: outcomes and list names only.
import { auditCredentials, type AuditCredential } from '../default-credentials.js';
import type { AuditResult, AuditRun, AuditService } from '../exposure-store.js';
import { AUDIT_PORTS } from '../maintenance-services.js';
import type { AuditConfig } from './audit-config.js';
import type { AuditClient, ClientOptions } from './audit-client.js';
import { addressRefusal, AuditRefusal, consentRefusal, type AuditScope, type AuditTarget, type Refusal } from './audit-targets.js';
import { AttemptLimiter, AuditStoppedError } from './attempt-limiter.js';
import { auditHttpBasic } from './http-basic-login.js';
import { auditSsh } from './ssh-login.js';
import { auditTelnet } from './telnet-login.js';

/** The client of each audited protocol, in the order a device's services are audited. */
const CLIENTS: readonly (readonly [AuditService, AuditClient])[] = [['telnet', auditTelnet], ['ssh', auditSsh], ['http', auditHttpBasic]];

/** How an audit runs. */
export interface RunAuditOptions {
  config: Readonly<Pick<AuditConfig, 'lists' | 'attemptsPerSecond' | 'maxAttempts' | 'connectTimeoutMs' | 'readTimeoutMs' | 'concurrentDevices'>>;
  /** Who consents and what the LAN is: checked for every target before anything is sent. */
  scope: AuditScope;
  /** Ports per protocol. Default AUDIT_PORTS (gateway/exposure/maintenance-services.ts). */
  ports?: Readonly<Record<AuditService, readonly number[]>>;
  /** Called as each device's run ends (the CLI stores it at once, the daemon too). */
  onRun?: (run: AuditRun) => void;
  /** The clock of startedAt/endedAt. Default the wall clock. */
  now?: () => Date;
  /**
   * Stops the audit: no attempt starts after it, and the services not begun are `error` "the audit
   * was stopped" (an attempt under way ends within its deadlines).
   */
  signal?: AbortSignal;
}

/** The pairs an audit tries on each service: the lists' pairs in order, cut at maxAttempts (0: all). */
export function auditPairs(config: Readonly<Pick<AuditConfig, 'lists' | 'maxAttempts'>>): AuditCredential[] {
  const all = auditCredentials(config.lists);
  return config.maxAttempts > 0 ? all.slice(0, config.maxAttempts) : all;
}

/** Every refusal among `targets` (consent, LAN address, the gateway's own); empty when all may be audited. */
export function refusalsOf(scope: AuditScope, targets: readonly AuditTarget[]): Refusal[] {
  const out: Refusal[] = [];
  for (const t of targets) {
    if (!scope.consent.has(t.mac)) out.push(consentRefusal(t.mac));
    else {
      const r = addressRefusal(scope, t.mac, t.ip);
      if (r !== null) out.push(r);
    }
  }
  return out;
}

/** One device: its services in order, one port at a time. */
async function auditDevice(t: AuditTarget, pairs: readonly AuditCredential[], ports: Readonly<Record<AuditService, readonly number[]>>, client: ClientOptions, now: () => Date): Promise<AuditRun> {
  const startedAt = now().toISOString();
  const results: AuditResult[] = [];
  for (const [service, audit] of CLIENTS) {
    for (const port of ports[service]) {
      let r;
      try {
        // Stopped: not even a connect to the services not begun.
        if (client.limiter.isStopped) throw new AuditStoppedError();
        r = await audit(t.ip, port, pairs, client);
      } catch (e) {
        // A client bug must not end the audit of the other services; what it was is in `detail`.
        r = { outcome: 'error' as const, list: null, tried: 0, detail: e instanceof AuditStoppedError ? e.message : `internal: ${(e as Error).message.slice(0, 120)}` };
      }
      results.push({ service, port, outcome: r.outcome, list: r.list, tried: r.tried, detail: r.detail });
    }
  }
  return { mac: t.mac, ip: t.ip, startedAt, endedAt: now().toISOString(), results };
}

/**
 * Audits `targets` (`concurrentDevices` at a time, every attempt through one rate limit); resolves
 * to their runs in target order. Throws AuditRefusal, before any connection, when a target may not
 * be audited.
 */
export async function runAudit(targets: readonly AuditTarget[], opts: RunAuditOptions): Promise<AuditRun[]> {
  const refused = refusalsOf(opts.scope, targets);
  if (refused.length > 0) throw new AuditRefusal(refused);
  const pairs = auditPairs(opts.config);
  const client: ClientOptions = { limiter: new AttemptLimiter(opts.config.attemptsPerSecond), connectTimeoutMs: opts.config.connectTimeoutMs, readTimeoutMs: opts.config.readTimeoutMs };
  if (opts.signal?.aborted) client.limiter.stop();
  opts.signal?.addEventListener('abort', () => client.limiter.stop(), { once: true });
  const ports = opts.ports ?? AUDIT_PORTS;
  const now = opts.now ?? (() => new Date());
  const runs: AuditRun[] = new Array<AuditRun>(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++;
      runs[i] = await auditDevice(targets[i]!, pairs, ports, client, now);
      opts.onRun?.(runs[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.config.concurrentDevices, targets.length)) }, worker));
  return runs;
}
