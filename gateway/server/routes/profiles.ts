// /api/v1/profiles: the MUD profiles in force; vendors upload and delete profiles of their own
// domain. An upload is validated by the MUD engine (422 with the JSON path of each fault, the
// previous profile unchanged), its signature checked; unsigned files need an admin's word.
import { vendorOwns } from '../../auth/vendor-domain.js';
import type { ProfileInfo } from '../../policy/profile-uploads.js';
import type { AuthInfo } from '../api-context.js';
import { ApiError } from '../api-errors.js';
import { JSON_SOURCE_DEFAULTS } from '../../../policies/mud/json-source.js';
import { documentText, QueryReader, type ApiRequest, type Route } from '../route.js';

/** Vendors see and touch only their own domain's profiles. */
function visible(auth: AuthInfo, mudUrl: string): boolean {
  return auth.role !== 'vendor' || (auth.vendor !== null && vendorOwns(auth.vendor, mudUrl));
}

function urlParam(req: ApiRequest): string {
  // The MUD URL is the key, percent-encoded as one path segment.
  return req.params.url ?? '';
}

/** The MUD text and signature of an upload body. */
function uploadBody(req: ApiRequest): { text: string; signature: Buffer | null } {
  if (req.raw !== null) return { text: req.raw.toString('utf8'), signature: null };
  const b = req.body as { mud?: unknown; signature?: unknown } | null;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) throw new ApiError('request.invalid', 'the body must be an object { mud, signature? }', [{ path: '', message: 'must be an object' }]);
  const extra = Object.keys(b).filter((k) => k !== 'mud' && k !== 'signature');
  if (extra.length > 0) throw new ApiError('request.invalid', undefined, extra.map((k) => ({ path: `/${k}`, code: 'unknown', message: 'unknown member (known: mud, signature)' })));
  let text: string;
  if (typeof b.mud === 'string') text = b.mud;
  else if (b.mud !== null && typeof b.mud === 'object') text = documentText(b.mud, '/mud', JSON_SOURCE_DEFAULTS.maxDepth);
  else throw new ApiError('request.invalid', undefined, [{ path: '/mud', code: 'required', message: 'the MUD file, as its text (needed when signed) or as a JSON object' }]);
  let signature: Buffer | null = null;
  if (b.signature !== undefined) {
    if (typeof b.signature !== 'string' || b.signature === '') throw new ApiError('request.invalid', undefined, [{ path: '/signature', code: 'type', message: 'the detached CMS signature, base64 DER or PEM text' }]);
    if (typeof b.mud !== 'string') throw new ApiError('request.invalid', undefined, [{ path: '/mud', code: 'type', message: 'a signed file must be sent as its exact text: the signature covers the bytes' }]);
    signature = b.signature.includes('-----BEGIN') ? Buffer.from(b.signature, 'utf8') : Buffer.from(b.signature, 'base64');
  }
  return { text, signature };
}

export const profileRoutes: Route[] = [
  {
    method: 'get', path: '/api/v1/profiles', permission: 'profiles:read', tag: 'profiles',
    summary: 'Profiles in force by MUD URL (a vendor sees its own domain\'s): source, signature state, ACE count, devices using each.',
    responses: { 200: '{ items: Profile[] }' },
    handle: (req, ctx) => ({ body: { items: ctx.profiles().filter((p: ProfileInfo) => visible(req.auth!, p.mudUrl)) } }),
  },
  {
    method: 'get', path: '/api/v1/profiles/:url', permission: 'profiles:read', tag: 'profiles',
    summary: 'One profile (`url` is the percent-encoded MUD URL) with the uploaded document.',
    responses: { 200: '{ ...Profile, content }' }, errors: ['profile.not-found'],
    handle(req, ctx) {
      const url = urlParam(req);
      const p = visible(req.auth!, url) ? ctx.profile(url) : null;
      if (p === null) throw new ApiError('profile.not-found');
      return { body: { ...p.info, content: p.content } };
    },
  },
  {
    method: 'post', path: '/api/v1/profiles', permission: 'profiles:write', tag: 'profiles',
    summary: 'Uploads (or replaces) a MUD profile. 201 for a new upload (also one over a bundled profile, which deleting the upload brings back), 200 when it replaced an earlier upload. A signature must chain to a trust anchor or to a certificate trusted for the MUD URL\'s domain (edgeward trust add); a refusal names why (`details[0].code`: signature.untrusted-chain, signature.wrong-domain, signature.expired, …).',
    query: [{ name: 'allowUnsigned', type: 'boolean', description: 'Admins only: take the file without a signature.' }],
    body: { types: ['application/json', 'application/mud+json'], description: '{ "mud": "<file text>" | {…}, "signature": "<base64 DER or PEM>" } or the raw MUD file (unsigned).' },
    responses: { 200: 'Profile (replaced)', 201: 'Profile (created)' },
    errors: ['request.invalid', 'profile.invalid', 'profile.unsigned', 'profile.bad-signature', 'auth.vendor-scope'],
    async handle(req, ctx) {
      const q = new QueryReader(req.query, ['allowUnsigned']);
      const allowUnsigned = q.bool('allowUnsigned') ?? false;
      q.done();
      const auth = req.auth!;
      if (allowUnsigned && auth.role !== 'admin') throw new ApiError('auth.forbidden', 'only an admin may allow an unsigned profile');
      const { text, signature } = uploadBody(req);
      const r = await ctx.uploadProfile({
        text, signature, by: auth.tokenId,
        allowUnsigned: allowUnsigned || ctx.server.allowUnsignedUploads,
        mayOwn: auth.role === 'vendor' ? (url) => auth.vendor !== null && vendorOwns(auth.vendor, url) : undefined,
      });
      if (!r.ok) throw new ApiError(r.code, undefined, r.errors);
      return { status: r.created ? 201 : 200, body: r.info, headers: { Location: `/api/v1/profiles/${encodeURIComponent(r.info.mudUrl)}` } };
    },
  },
  {
    method: 'delete', path: '/api/v1/profiles/:url', permission: 'profiles:write', tag: 'profiles',
    summary: 'Deletes an uploaded profile; devices announcing it fall back to the bundled one or to no profile.',
    responses: { 204: 'Deleted' }, errors: ['profile.not-found', 'auth.vendor-scope', 'profile.readonly'],
    handle(req, ctx) {
      const url = urlParam(req);
      if (!visible(req.auth!, url)) throw new ApiError('auth.vendor-scope');
      const r = ctx.deleteProfile(url);
      if (r === 'not-found') throw new ApiError('profile.not-found');
      if (r === 'readonly') throw new ApiError('profile.readonly');
      return { status: 204 };
    },
  },
];
