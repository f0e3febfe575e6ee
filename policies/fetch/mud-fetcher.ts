// Fetches MUD files over verified HTTPS, checks their signatures, and caches them for their
// cache-validity (RFC 8520 §3.5, §13.2), keeping the last good profile when a refetch fails.
import { createSecureContext, rootCertificates } from 'node:tls';
import { parseTrustAnchors, verifyMudSignature, type SignatureErrorCode, type SignatureResult, type SignerSummary } from '../signature/verify-mud-signature.js';
import type { FetchErrorCode } from './fetch-errors.js';
import { httpsGet, parseHttpsUrl, type HttpsGetOptions } from './https-get.js';
import { MudDiskCache, type CacheRecord } from './mud-cache.js';

export { FETCH_ERRORS, FETCH_ERROR_CODES, type FetchErrorCode } from './fetch-errors.js';

/** What the caller's parse+validate hook says about a fetched MUD file. */
export type AcceptResult =
  | {
      ok: true;
      /** The profile's `cache-validity`, hours (clamped here to 1..168; absent → 48). */
      cacheValidityHours?: number;
      /** The profile's `mud-signature` URL, if any. */
      signatureUrl?: string;
    }
  | { ok: false; reason: string };

/** Options of {@link MudFetcher}. Defaults are in {@link MUD_FETCHER_DEFAULTS}. */
export interface MudFetcherOptions {
  /** Directory of the on-disk cache (created on first write). */
  cacheDir: string;
  /** PEM of one extra CA trusted for HTTPS, in addition to the system roots. */
  extraCa?: string | Buffer;
  /** Largest MUD file or signature accepted, bytes. */
  maxBytes?: number;
  /** Deadline per document (connect + TLS + body, redirects included), milliseconds. */
  timeoutMs?: number;
  /** CA certificates (PEM or DER) that MUD signers must chain to. */
  trustAnchors: (string | Buffer)[];
  /** Refuse MUD files without a valid signature. Turn off only for lab use. */
  requireSignature?: boolean;
  /**
   * Checks a signature instead of verifyMudSignature over `trustAnchors`: the gateway's own trust,
   * which adds signers trusted for one vendor domain only (`url` is the MUD URL). When given,
   * `trustAnchors` may be empty. Default none.
   */
  verify?: (content: Buffer, signature: Buffer, url: string, at: Date) => Promise<SignatureResult>;
  /** The caller's parse+validate hook; it must not throw, but a throw counts as a refusal. */
  accept: (content: Buffer) => AcceptResult;
  /** Clock, ms since the epoch; injectable for tests. */
  now?: () => number;
  /** Profiles held in memory (LRU); the disk cache is not bounded by it. */
  maxEntries?: number;
  /** After a failed refetch, wait this long before trying the network again, milliseconds. */
  retryAfterFailureMs?: number;
}

/** Defaults of {@link MudFetcherOptions}, with units. */
export const MUD_FETCHER_DEFAULTS = Object.freeze({
  maxBytes: 256 * 1024, // bytes per document
  timeoutMs: 10_000, // ms, connect + TLS + body
  maxRedirects: 3,
  requireSignature: true,
  maxEntries: 1024, // URLs kept in memory
  retryAfterFailureMs: 5 * 60_000, // ms between refetch attempts while serving a stale profile
});

// RFC 8520 §3.5: cache-validity is 1..168 hours, 48 when absent.
const CACHE_VALIDITY_DEFAULT_HOURS = 48;
const CACHE_VALIDITY_MIN_HOURS = 1;
const CACHE_VALIDITY_MAX_HOURS = 168;
const HOUR_MS = 3_600_000;

// Media types: RFC 8520 §16 registers application/mud+json; CMS signatures are
// application/pkcs7-signature (RFC 8551 §3.2.1).
const ACCEPT_MUD = 'application/mud+json, application/json;q=0.9';
const ACCEPT_SIGNATURE = 'application/pkcs7-signature, application/octet-stream;q=0.9';

/** The outcome of {@link MudFetcher.get}. */
export type FetchResult =
  | {
      ok: true;
      content: Buffer;
      /** 'cache' also covers a stale profile kept after a failed refetch (then `warning` is set). */
      source: 'network' | 'cache';
      /** When this content was fetched and accepted, ms since the epoch. */
      fetchedAt: number;
      /** When it stops being fresh, ms since the epoch (in the past for a stale profile). */
      expiresAt: number;
      signer?: SignerSummary;
      warning?: string;
    }
  | {
      ok: false;
      code: FetchErrorCode;
      reason: string;
      /** For fetch.bad-signature the signature.* code; for fetch.signature-unavailable the transport code. */
      cause?: FetchErrorCode | SignatureErrorCode;
    };

type FetchFailure = Extract<FetchResult, { ok: false }>;
type FetchSuccess = Extract<FetchResult, { ok: true }>;

interface MemoryEntry {
  record: CacheRecord;
  /** Set while serving a stale profile: no network attempt before this time (ms). */
  retryAt?: number;
  lastFailure?: FetchFailure;
}

/** Clamps a profile's cache-validity to RFC 8520 §3.5's 1..168 hours (48 when absent or not a number). */
export function clampCacheValidity(hours: number | undefined): number {
  if (hours === undefined || !Number.isFinite(hours)) return CACHE_VALIDITY_DEFAULT_HOURS;
  return Math.min(CACHE_VALIDITY_MAX_HOURS, Math.max(CACHE_VALIDITY_MIN_HOURS, hours));
}

/**
 * Where the signature of a MUD file lives: the profile's `mud-signature` if present, else the
 * MUD URL with ".json" replaced by ".p7s", or ".p7s" appended (RFC 8520 §13.2).
 */
export function signatureUrlFor(mudUrl: string, mudSignature?: string): string {
  if (mudSignature) return new URL(mudSignature, mudUrl).href;
  const url = new URL(mudUrl);
  url.hash = '';
  url.pathname = url.pathname.endsWith('.json') ? `${url.pathname.slice(0, -'.json'.length)}.p7s` : `${url.pathname}.p7s`;
  return url.href;
}

/** Fetches, verifies and caches MUD files; one instance serves the whole gateway. */
export class MudFetcher {
  private readonly opts: Required<Omit<MudFetcherOptions, 'extraCa' | 'verify'>>;
  private readonly verifySignature: NonNullable<MudFetcherOptions['verify']>;
  private readonly http: Omit<HttpsGetOptions, 'accept'>;
  private readonly disk: MudDiskCache;
  private readonly memory = new Map<string, MemoryEntry>();
  // Many devices announce the same MUD URL at once (e.g. after a power cut): one fetch serves all.
  private readonly inflight = new Map<string, Promise<FetchResult>>();

  /** @throws Error with `code: 'fetch.config-invalid'` on bad options (found at startup, not per fetch). */
  constructor(options: MudFetcherOptions) {
    const opts = {
      maxBytes: MUD_FETCHER_DEFAULTS.maxBytes,
      timeoutMs: MUD_FETCHER_DEFAULTS.timeoutMs,
      requireSignature: MUD_FETCHER_DEFAULTS.requireSignature,
      maxEntries: MUD_FETCHER_DEFAULTS.maxEntries,
      retryAfterFailureMs: MUD_FETCHER_DEFAULTS.retryAfterFailureMs,
      now: Date.now,
      ...stripUndefined(options),
    };
    const problems: string[] = [];
    if (typeof opts.cacheDir !== 'string' || opts.cacheDir === '') problems.push('cacheDir must be a directory path');
    for (const key of ['maxBytes', 'timeoutMs', 'maxEntries'] as const) {
      if (!Number.isInteger(opts[key]) || opts[key] <= 0) problems.push(`${key} must be a positive integer`);
    }
    if (!Number.isInteger(opts.retryAfterFailureMs) || opts.retryAfterFailureMs < 0) problems.push('retryAfterFailureMs must be >= 0');
    if (typeof opts.accept !== 'function') problems.push('accept must be a function');
    if (opts.requireSignature) {
      const anchors = parseTrustAnchors(opts.trustAnchors ?? []);
      if (!Array.isArray(anchors)) problems.push(anchors.reason);
      else if (anchors.length === 0 && options.verify === undefined) problems.push('requireSignature needs at least one trust anchor');
    }
    // System roots plus the operator's CA: an extra CA widens trust, it never replaces it.
    const ca = options.extraCa === undefined ? [...rootCertificates] : [...rootCertificates, options.extraCa];
    if (options.extraCa !== undefined) {
      // OpenSSL skips text that is not a certificate without a word, so parse it ourselves.
      const parsed = parseTrustAnchors([options.extraCa]);
      if (!Array.isArray(parsed)) problems.push(`extraCa: ${parsed.reason}`);
      else {
        try {
          createSecureContext({ ca });
        } catch (err) {
          problems.push(`extraCa: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    if (problems.length > 0) {
      throw Object.assign(new Error(`invalid MudFetcher options: ${problems.join('; ')}`), { code: 'fetch.config-invalid' });
    }
    const { verify, ...rest } = opts;
    this.opts = rest;
    this.verifySignature = verify ?? ((content, signature, _url, at) => verifyMudSignature(content, signature, { trustAnchors: this.opts.trustAnchors, at }));
    this.http = { ca, maxBytes: opts.maxBytes, timeoutMs: opts.timeoutMs, maxRedirects: MUD_FETCHER_DEFAULTS.maxRedirects };
    this.disk = new MudDiskCache(opts.cacheDir);
  }

  /** The MUD file at `url`: from cache while fresh, else from the network, else the last good one. */
  get(url: string): Promise<FetchResult> {
    const pending = this.inflight.get(url);
    if (pending) return pending;
    const work = this.resolve(url).finally(() => this.inflight.delete(url));
    this.inflight.set(url, work);
    return work;
  }

  private async resolve(url: string): Promise<FetchResult> {
    const parsed = parseHttpsUrl(url);
    if (!(parsed instanceof URL)) return parsed;

    const entry = this.memory.get(url) ?? (await this.loadFromDisk(url));
    const now = this.opts.now();
    if (entry) this.remember(url, entry);
    if (entry && now < entry.record.expiresAt) return this.served(entry.record, 'cache');
    if (entry?.retryAt !== undefined && entry.lastFailure && now < entry.retryAt) return this.stale(entry.record, entry.lastFailure);

    const fresh = await this.fetchFresh(url);
    if (!('record' in fresh)) {
      // Never drop a good profile for a bad one: keep serving the old one, flagged as stale.
      if (!entry) return fresh;
      entry.retryAt = this.opts.now() + this.opts.retryAfterFailureMs;
      entry.lastFailure = fresh;
      return this.stale(entry.record, fresh);
    }
    this.remember(url, { record: fresh.record });
    let warning: string | undefined;
    try {
      await this.disk.save(fresh.record);
    } catch (err) {
      // The profile is good and in memory; a full disk only costs us the restart cache.
      warning = `profile not written to the cache directory: ${err instanceof Error ? err.message : String(err)}`;
    }
    return { ...this.served(fresh.record, 'network'), ...(warning ? { warning } : {}) };
  }

  /** Downloads, accepts and verifies; returns a record to cache, or why not. */
  private async fetchFresh(url: string): Promise<{ record: CacheRecord } | FetchFailure> {
    const doc = await httpsGet(url, { ...this.http, accept: ACCEPT_MUD });
    if (!doc.ok) return doc;
    const accepted = this.accept(doc.body);
    if (!accepted.ok) return { ok: false, code: 'fetch.invalid-profile', reason: accepted.reason };
    const cacheValidityHours = clampCacheValidity(accepted.cacheValidityHours);

    let signature: Buffer | null = null;
    let signatureUrl: string | null = null;
    let signer: SignerSummary | null = null;
    if (this.opts.requireSignature) {
      // RFC 8520 §13.2: retrieve the signature and validate it before using the MUD file.
      try {
        signatureUrl = signatureUrlFor(url, accepted.signatureUrl);
      } catch {
        return { ok: false, code: 'fetch.signature-unavailable', reason: `bad mud-signature URL ${JSON.stringify(accepted.signatureUrl)}`, cause: 'fetch.bad-url' };
      }
      const sig = await httpsGet(signatureUrl, { ...this.http, accept: ACCEPT_SIGNATURE });
      if (!sig.ok) return { ok: false, code: 'fetch.signature-unavailable', reason: `signature ${signatureUrl}: ${sig.reason}`, cause: sig.code };
      const verdict = await this.verifySignature(doc.body, sig.body, url, new Date(this.opts.now()));
      if (!verdict.ok) return { ok: false, code: 'fetch.bad-signature', reason: `${verdict.code}: ${verdict.reason}`, cause: verdict.code };
      signature = sig.body;
      signer = verdict.signer;
    }
    const fetchedAt = this.opts.now();
    return {
      record: { url, content: doc.body, signature, signatureUrl, fetchedAt, expiresAt: fetchedAt + cacheValidityHours * HOUR_MS, cacheValidityHours, signer },
    };
  }

  /**
   * A record from disk is checked again before use: the trust anchors or the validator may have
   * changed since it was stored. Validity is checked at the time it was fetched.
   */
  private async loadFromDisk(url: string): Promise<MemoryEntry | undefined> {
    const record = await this.disk.load(url);
    if (!record || !this.accept(record.content).ok) return undefined;
    if (this.opts.requireSignature) {
      if (!record.signature) return undefined;
      const verdict = await this.verifySignature(record.content, record.signature, url, new Date(record.fetchedAt));
      if (!verdict.ok) return undefined;
    }
    return { record };
  }

  private accept(content: Buffer): AcceptResult {
    try {
      return this.opts.accept(content);
    } catch (err) {
      return { ok: false, reason: `accept() threw: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** Inserts or refreshes an entry at the young end of the LRU, evicting the oldest past the cap. */
  private remember(url: string, entry: MemoryEntry): void {
    this.memory.delete(url);
    this.memory.set(url, entry);
    while (this.memory.size > this.opts.maxEntries) {
      const oldest = this.memory.keys().next().value;
      if (oldest === undefined) break;
      this.memory.delete(oldest);
    }
  }

  private served(record: CacheRecord, source: 'network' | 'cache'): FetchSuccess {
    return {
      ok: true,
      content: record.content,
      source,
      fetchedAt: record.fetchedAt,
      expiresAt: record.expiresAt,
      ...(record.signer ? { signer: record.signer } : {}),
    };
  }

  private stale(record: CacheRecord, failure: FetchFailure): FetchResult {
    const warning = `refetch failed (${failure.code}${failure.cause ? `/${failure.cause}` : ''}: ${failure.reason}); keeping the profile fetched at ${new Date(record.fetchedAt).toISOString()}`;
    return { ...this.served(record, 'cache'), warning };
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
