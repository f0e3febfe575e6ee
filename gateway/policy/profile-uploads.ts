// Profiles uploaded through the API (vendors, admins): validated with the MUD engine, their
// signature checked against the trust anchors and the trusted signers of its domain, kept in SQLite so they survive a restart, and put in
// force at once (devices announcing the MUD URL are re-bound). A refused upload changes nothing:
// the profile in force before stays in force.
import { parseMud, type MudIssue } from '../../policies/index.js';
import type { Db } from '../store/database.js';
import type { MudPolicy } from './mud-policy.js';
import type { MudTrust } from './mud-trust.js';
import type { ProfileStore, StoredProfile } from './profile-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS mud_uploads (
  mud_url     TEXT PRIMARY KEY,
  content     TEXT NOT NULL,
  signature   BLOB,
  signer      TEXT,
  uploaded_by TEXT NOT NULL,
  uploaded_at TEXT NOT NULL
);
`;

/** Where a profile in force came from. */
export type ProfileSource = 'bundled' | 'uploaded' | 'fetched';

/** A profile as the API lists it. */
export interface ProfileInfo {
  mudUrl: string;
  source: ProfileSource;
  systeminfo: string | null;
  mfgName: string | null;
  modelName: string | null;
  lastUpdate: string | null;
  /** `signed`: a signature verified at upload (or fetch); `unsigned`: allowed without one; `local`: a file of the profiles directory. */
  signature: 'signed' | 'unsigned' | 'local';
  signer: string | null;
  uploadedBy: string | null;
  uploadedAt: string | null;
  acls: number;
  aces: number;
  warnings: readonly MudIssue[];
  /** MACs of the devices held to it now. */
  devices: string[];
}

/** What an upload brings: the file's exact text and, when signed, its detached CMS signature. */
export interface UploadInput {
  text: string;
  signature: Buffer | null;
  /** Token id of the uploader (never the token). */
  by: string;
  /** Whether an unsigned file may be taken (an admin said so, or the config allows it). */
  allowUnsigned: boolean;
  /** When set, the MUD URL must satisfy this (the vendor's domain); checked after parsing. */
  mayOwn?: (mudUrl: string) => boolean;
}

/** The outcome of an upload: in force, or refused with a code and the faults. */
export type UploadResult =
  | { ok: true; created: boolean; info: ProfileInfo }
  | { ok: false; code: 'profile.invalid' | 'profile.unsigned' | 'profile.bad-signature' | 'auth.vendor-scope'; errors: { path: string; code: string; message: string }[] };

interface UploadRow { mud_url: string; content: string; signature: Buffer | null; signer: string | null; uploaded_by: string; uploaded_at: string }

export class ProfileUploads {
  /** Profiles of the profiles directory, kept so that deleting an upload brings the bundled one back. */
  private readonly bundled = new Map<string, StoredProfile>();
  private readonly meta = new Map<string, { signer: string | null; signed: boolean; by: string; at: string }>();

  constructor(
    private readonly db: Db,
    private readonly store: ProfileStore,
    private readonly policy: MudPolicy,
    /** Whom signatures must chain to (config anchors, trusted signers by domain). */
    private readonly trust: MudTrust,
    /** MACs of the devices bound to a MUD URL. */
    private readonly devicesUsing: (mudUrl: string) => string[],
  ) {
    db.exec(SCHEMA);
    for (const sp of store.profiles()) this.bundled.set(sp.profile.mudUrl, sp);
  }

  /** Puts the uploads kept in SQLite back in force (at start, after the profiles directory). Returns how many. */
  restore(): number {
    let n = 0;
    for (const r of this.db.prepare('SELECT * FROM mud_uploads').all() as UploadRow[]) {
      const sp = this.store.loadText(r.content, `upload:${r.mud_url}`);
      if (sp === null) continue;
      this.store.put(sp);
      this.meta.set(r.mud_url, { signer: r.signer, signed: r.signature !== null, by: r.uploaded_by, at: r.uploaded_at });
      n++;
    }
    return n;
  }

  /** Every profile in force by MUD URL. */
  list(): ProfileInfo[] {
    return this.store.profiles().map((sp) => this.info(sp)).sort((a, b) => a.mudUrl.localeCompare(b.mudUrl));
  }

  /** One profile and its document text. */
  get(mudUrl: string): { info: ProfileInfo; content: string | null } | null {
    const sp = this.store.byMudUrl(mudUrl);
    if (sp === undefined) return null;
    const row = this.db.prepare('SELECT content FROM mud_uploads WHERE mud_url = ?').get(mudUrl) as { content: string } | undefined;
    return { info: this.info(sp), content: row?.content ?? null };
  }

  /** Whether the profile of `mudUrl` is an upload (the only kind the API may delete). */
  isUpload(mudUrl: string): boolean {
    return this.meta.has(mudUrl);
  }

  /** Validates, checks the signature, stores and puts in force. Nothing changes when refused. */
  async upload(input: UploadInput): Promise<UploadResult> {
    const r = parseMud(input.text);
    if (!r.ok) return { ok: false, code: 'profile.invalid', errors: r.errors.map((e) => ({ path: e.path, code: e.code, message: e.message })) };
    const url = r.profile.mudUrl;
    if (input.mayOwn && !input.mayOwn(url)) {
      return { ok: false, code: 'auth.vendor-scope', errors: [{ path: '/ietf-mud:mud/mud-url', code: 'auth.vendor-scope', message: `${url} is not under the uploader's domain` }] };
    }
    let signer: string | null = null;
    if (input.signature !== null) {
      const v = await this.trust.verify(Buffer.from(input.text, 'utf8'), input.signature, url);
      if (!v.ok) return { ok: false, code: 'profile.bad-signature', errors: [{ path: '', code: v.code, message: v.reason }] };
      signer = v.signer.subject;
    } else if (!input.allowUnsigned) {
      return { ok: false, code: 'profile.unsigned', errors: [{ path: '', code: 'profile.unsigned', message: 'no signature was given' }] };
    }
    const sp: StoredProfile = { profile: r.profile, file: `upload:${url}`, warnings: r.warnings };
    const at = new Date().toISOString();
    // 201 for a new upload, also one that overrides a bundled profile (deleting it brings that back).
    const created = !this.meta.has(url);
    this.db.prepare(`INSERT INTO mud_uploads (mud_url, content, signature, signer, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(mud_url) DO UPDATE SET content = excluded.content, signature = excluded.signature, signer = excluded.signer,
      uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at`).run(url, input.text, input.signature, signer, input.by, at);
    this.meta.set(url, { signer, signed: input.signature !== null, by: input.by, at });
    this.store.put(sp);
    this.policy.profileChanged(url);
    return { ok: true, created, info: this.info(sp) };
  }

  /** Deletes an upload; the bundled profile of the same URL, if any, is in force again. */
  remove(mudUrl: string): boolean {
    const r = this.db.prepare('DELETE FROM mud_uploads WHERE mud_url = ?').run(mudUrl);
    if (r.changes === 0) return false;
    this.meta.delete(mudUrl);
    const bundled = this.bundled.get(mudUrl);
    if (bundled) this.store.put(bundled);
    else this.store.remove(mudUrl);
    this.policy.profileChanged(mudUrl);
    return true;
  }

  private info(sp: StoredProfile): ProfileInfo {
    const p = sp.profile;
    const m = this.meta.get(p.mudUrl);
    const source: ProfileSource = m ? 'uploaded' : this.bundled.get(p.mudUrl) === sp ? 'bundled' : 'fetched';
    return {
      mudUrl: p.mudUrl, source, systeminfo: p.systeminfo ?? null, mfgName: p.mfgName ?? null, modelName: p.modelName ?? null,
      lastUpdate: p.lastUpdate ?? null,
      signature: m ? (m.signed ? 'signed' : 'unsigned') : source === 'bundled' ? 'local' : 'signed',
      signer: m?.signer ?? null, uploadedBy: m?.by ?? null, uploadedAt: m?.at ?? null,
      acls: p.acls.length, aces: p.acls.reduce((n, a) => n + a.aces.length, 0), warnings: sp.warnings,
      devices: this.devicesUsing(p.mudUrl),
    };
  }
}
