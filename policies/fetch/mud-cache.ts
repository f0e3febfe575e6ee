// The on-disk store of the last good MUD file per URL, so a gateway restart or an unreachable
// vendor server does not leave devices without their profile (RFC 8520 §3.5 cache-validity).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SignerSummary } from '../signature/verify-mud-signature.js';

/** One cached MUD file with what is needed to serve it again without the network. */
export interface CacheRecord {
  url: string;
  content: Buffer;
  /** The detached signature it was accepted with; null when signatures are not required. */
  signature: Buffer | null;
  signatureUrl: string | null;
  /** When it was fetched and accepted, ms since the epoch (the fetcher's clock). */
  fetchedAt: number;
  /** fetchedAt + cache-validity, ms since the epoch. */
  expiresAt: number;
  /** The clamped cache-validity it was stored with, hours. */
  cacheValidityHours: number;
  signer: SignerSummary | null;
}

// Bumped when the metadata layout changes; records of another version are ignored, not migrated.
const FORMAT_VERSION = 1;

interface Metadata {
  version: number;
  url: string;
  fetchedAt: number;
  expiresAt: number;
  cacheValidityHours: number;
  signatureUrl: string | null;
  signer: SignerSummary | null;
  contentSha256: string;
  signatureSha256: string | null;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * Three files per URL in one directory: `<sha256(url)>.json` (the profile), `.p7s` (signature)
 * and `.meta.json`. Names come from a hash so that no URL text ever reaches a file path.
 */
export class MudDiskCache {
  constructor(private readonly dir: string) {}

  /** The file stem for a URL: hex SHA-256 of the URL string. */
  static keyOf(url: string): string {
    return sha256(url);
  }

  /** The record for `url`, or null when absent, unreadable or damaged (hash mismatch). */
  async load(url: string): Promise<CacheRecord | null> {
    const stem = join(this.dir, MudDiskCache.keyOf(url));
    try {
      const meta = JSON.parse(await readFile(`${stem}.meta.json`, 'utf8')) as Partial<Metadata>;
      if (meta.version !== FORMAT_VERSION || meta.url !== url) return null;
      if (typeof meta.fetchedAt !== 'number' || typeof meta.expiresAt !== 'number' || typeof meta.cacheValidityHours !== 'number') return null;
      const content = await readFile(`${stem}.json`);
      // The metadata is written last and names the hashes: a torn write shows up here.
      if (sha256(content) !== meta.contentSha256) return null;
      let signature: Buffer | null = null;
      if (meta.signatureSha256) {
        signature = await readFile(`${stem}.p7s`);
        if (sha256(signature) !== meta.signatureSha256) return null;
      }
      return {
        url,
        content,
        signature,
        signatureUrl: meta.signatureUrl ?? null,
        fetchedAt: meta.fetchedAt,
        expiresAt: meta.expiresAt,
        cacheValidityHours: meta.cacheValidityHours,
        signer: meta.signer ?? null,
      };
    } catch {
      return null; // absent or unreadable: the caller fetches from the network
    }
  }

  /** Stores the record, replacing any previous one; each file is written then renamed into place. */
  async save(record: CacheRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const stem = join(this.dir, MudDiskCache.keyOf(record.url));
    await atomicWrite(`${stem}.json`, record.content);
    if (record.signature) await atomicWrite(`${stem}.p7s`, record.signature);
    else await rm(`${stem}.p7s`, { force: true });
    const meta: Metadata = {
      version: FORMAT_VERSION,
      url: record.url,
      fetchedAt: record.fetchedAt,
      expiresAt: record.expiresAt,
      cacheValidityHours: record.cacheValidityHours,
      signatureUrl: record.signatureUrl,
      signer: record.signer,
      contentSha256: sha256(record.content),
      signatureSha256: record.signature ? sha256(record.signature) : null,
    };
    await atomicWrite(`${stem}.meta.json`, Buffer.from(`${JSON.stringify(meta, null, 2)}\n`));
  }
}

async function atomicWrite(path: string, data: Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data, { mode: 0o600 });
    await rename(tmp, path); // rename within one directory is atomic on POSIX
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
