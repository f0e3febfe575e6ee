// The daemon's exposure audits (POST /api/v1/exposure/audits): each request is checked whole before
// it is answered (consent, LAN addresses: a refusal sends nothing), then runs in the background,
// one audit at a time so the attempt rate stays the configured one; each device's run goes to the
// exposure inventory as it ends. The requests themselves are kept in memory, the last MAX_JOBS. The
// daemon stops a running audit when it stops, and waits for the attempt under way.
import { randomBytes } from 'node:crypto';
import type { AuditRun, StoredAuditRun } from '../exposure-store.js';
import type { AuditConfig } from './audit-config.js';
import { nobodyConsents, type AuditScope, type AuditTarget } from './audit-targets.js';
import { targetsWithNeighbours } from './neighbour-table.js';
import { runAudit } from './run-audit.js';

/** Requests kept (the newest), running or ended. */
export const MAX_JOBS = 50;

/** Where an audit request is. */
export type AuditJobState = 'running' | 'done' | 'failed';

/** One audit request: its devices and, as they end, their runs (with their ids in the inventory). */
export interface AuditJob {
  /** `xa-` and 12 hex digits. */
  id: string;
  state: AuditJobState;
  requestedAt: string;
  endedAt: string | null;
  /** Who asked (the token's actor name). */
  by: string;
  devices: AuditTarget[];
  runs: StoredAuditRun[];
  /** Why it failed (`failed` only): the store refused a run, or a bug; never a credential. */
  error: string | null;
}

/** A request while another audit runs. */
export class AuditBusyError extends Error {
  readonly code = 'exposure.audit-running';
  constructor(readonly running: string) {
    super(`exposure audit ${running} is running; one audit runs at a time`);
    this.name = 'AuditBusyError';
  }
}

/** What the jobs need from the daemon. */
export interface AuditJobsDeps {
  config: Readonly<AuditConfig>;
  /** Consent, LAN, the gateway's own addresses — read at each request (interfaces change). */
  scope: () => AuditScope;
  /** The addresses the gateway knows for a device (its live inventory). */
  addressesOf: (mac: string) => readonly string[];
  /** Keeps a run; returns its id (ExposureStore.recordAudit). */
  record: (run: AuditRun) => number;
}

/** The daemon's audit requests. */
export class AuditJobs {
  private readonly jobs: AuditJob[] = [];
  private current: Promise<void> | null = null;
  /** Aborted by stop(): the running audit sends nothing more. */
  private readonly abort = new AbortController();

  constructor(private readonly deps: AuditJobsDeps) {}

  /**
   * Checks and starts an audit of `devices` (canonical MACs), or of every consenting device when
   * undefined. Throws AuditRefusal (nothing sent) or AuditBusyError.
   */
  async start(devices: readonly string[] | undefined, by: string): Promise<AuditJob> {
    const busy = this.jobs.find((j) => j.state === 'running');
    if (busy !== undefined) throw new AuditBusyError(busy.id);
    const scope = this.deps.scope();
    const macs = devices ?? [...scope.consent].sort();
    if (macs.length === 0) throw nobodyConsents();
    const targets = await targetsWithNeighbours(scope, macs, this.deps.addressesOf);
    // Checked again after the wait for the neighbour table: two requests may have raced there.
    const raced = this.jobs.find((j) => j.state === 'running');
    if (raced !== undefined) throw new AuditBusyError(raced.id);
    const job: AuditJob = {
      id: `xa-${randomBytes(6).toString('hex')}`, state: 'running', requestedAt: new Date().toISOString(), endedAt: null, by,
      devices: targets, runs: [], error: null,
    };
    this.jobs.push(job);
    if (this.jobs.length > MAX_JOBS) this.jobs.splice(0, this.jobs.length - MAX_JOBS);
    this.current = runAudit(targets, {
      config: this.deps.config, scope, signal: this.abort.signal,
      onRun: (run) => {
        try {
          job.runs.push({ ...run, id: this.deps.record(run) });
        } catch (e) {
          // The other devices' audits go on; the request ends failed, saying whose run was lost.
          job.error = `the run of ${run.mac} was not stored: ${(e as Error).message.slice(0, 160)}`;
        }
      },
    }).then(
      () => { job.state = job.error === null ? 'done' : 'failed'; },
      (e: unknown) => { job.state = 'failed'; job.error = (e as Error).message.slice(0, 200); },
    ).finally(() => { job.endedAt = new Date().toISOString(); this.current = null; });
    return job;
  }

  /** A request by id, or null. */
  get(id: string): AuditJob | null {
    return this.jobs.find((j) => j.id === id) ?? null;
  }

  /** The requests kept, newest first. */
  list(): AuditJob[] {
    return [...this.jobs].reverse();
  }

  /** Stops the running audit, if any (the daemon stopping): no attempt starts after this. */
  stop(): void {
    this.abort.abort();
  }

  /** Resolves when no audit runs (the daemon waits for it before closing the database). */
  settled(): Promise<void> {
    return this.current ?? Promise.resolve();
  }
}
