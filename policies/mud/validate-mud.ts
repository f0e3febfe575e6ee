// Validation of a whole MUD document: the `ietf-mud:mud` container (RFC 8520 §2.1), the ACL root,
// and the cross-references between policies and ACLs. Reports every issue at once.

import type { JsonObject, JsonValue } from './json-source.js';
import { ptr, type IssueSink } from './issues.js';
import {
  isAbsoluteUri, isObject, member, pickMember, readArray, readBoolean, readObject, readString, readUint,
} from './json-read.js';
import { readAcls } from './validate-acl.js';
import { mudUrlAuthority } from './mud-url.js';
import type { Acl, MudProfile } from './profile.js';

const MUD_ROOT = 'ietf-mud:mud';
const ACLS_ROOT = 'ietf-access-control-list:acls';
const DRAFT_ACLS_ROOT = 'ietf-access-control-list:access-lists';
/** yang:date-and-time (RFC 6991). */
const DATE_AND_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
/** RFC 8520 string leaves of the mud container, and the profile field each fills. */
const STRING_LEAVES = {
  systeminfo: 'systeminfo', 'mfg-name': 'mfgName', 'model-name': 'modelName',
  'firmware-rev': 'firmwareRev', 'software-rev': 'softwareRev',
} as const;
const KNOWN_MUD_MEMBERS = new Set([
  'mud-version', 'mud-url', 'last-update', 'mud-signature', 'cache-validity', 'is-supported',
  'systeminfo', 'mfg-name', 'model-name', 'firmware-rev', 'software-rev', 'documentation',
  'extensions', 'from-device-policy', 'to-device-policy',
]);

/**
 * Reads one direction's policy: the ACL names it applies, in order, each once. A repeated name adds
 * nothing (the first occurrence matched everything it could) but was compiled and rendered again
 * for every repeat: a 37 KB file naming one ACL 1,000 times cost ~300 ms and 11,000 nftables rules
 * (found by the fuzzer, mud target). Repeats are dropped with a warning.
 */
function readPolicy(sink: IssueSink, obj: JsonObject, mudPath: string, key: string): { names: string[]; paths: string[] } {
  const out = { names: [] as string[], paths: [] as string[] };
  const seen = new Set<string>();
  const warned = new Set<string>();
  const path = ptr(mudPath, key);
  const v = member(obj, key);
  if (v === undefined) return out;
  const pol = readObject(sink, v, path);
  if (!pol) return out;
  for (const k of Object.keys(pol)) if (k !== 'access-lists') sink.add('mud.unknown-member', ptr(path, k), `'${k}' ignored`);
  const alV = member(pol, 'access-lists');
  if (alV === undefined) return out;
  const al = readObject(sink, alV, ptr(path, 'access-lists'));
  if (!al) return out;
  const listPath = ptr(ptr(path, 'access-lists'), 'access-list');
  for (const k of Object.keys(al)) if (k !== 'access-list') sink.add('mud.unknown-member', ptr(ptr(path, 'access-lists'), k), `'${k}' ignored`);
  const listV = member(al, 'access-list');
  if (listV === undefined) return out;
  const list = readArray(sink, listV, listPath);
  list?.forEach((entry, i) => {
    const ep = ptr(listPath, i);
    const eo = readObject(sink, entry, ep);
    if (!eo) return;
    for (const k of Object.keys(eo)) {
      if (k === 'name' || k === 'acl-name') continue;
      if (k === 'acl-type') sink.add('draft.policy-acl-type', ptr(ep, k), 'draft-era acl-type in a policy entry ignored');
      else sink.add('mud.unknown-member', ptr(ep, k), `'${k}' ignored`);
    }
    const nm = pickMember(sink, eo, ep, 'name', ['acl-name']);
    if (!nm) {
      if (member(eo, 'name') === undefined && member(eo, 'acl-name') === undefined) sink.add('policy.unknown-acl', ep, 'a policy entry without an ACL name');
      return;
    }
    const name = readString(sink, nm.value, nm.path);
    if (name === undefined) return;
    if (seen.has(name)) {
      // One warning per name, at its first repeat: a hostile file must not buy thousands of lines of output.
      if (!warned.has(name)) sink.add('policy.duplicate-acl', nm.path, `ACL '${name}' is named again in ${key}; repeats are ignored`);
      warned.add(name);
      return;
    }
    seen.add(name);
    out.names.push(name);
    out.paths.push(nm.path);
  });
  return out;
}

/** Validates a parsed document; returns the profile, or undefined when anything was refused. */
export function validateMudDocument(sink: IssueSink, doc: JsonValue): MudProfile | undefined {
  if (!isObject(doc)) {
    readObject(sink, doc, '');
    return undefined;
  }
  const mudV = member(doc, MUD_ROOT);
  const aclsV = member(doc, ACLS_ROOT);
  const draftV = member(doc, DRAFT_ACLS_ROOT);
  for (const k of Object.keys(doc)) {
    if (k !== MUD_ROOT && k !== ACLS_ROOT && k !== DRAFT_ACLS_ROOT) sink.add('mud.unknown-member', ptr('', k), `top-level '${k}' ignored`);
  }
  let acls: Acl[] = [];
  if (aclsV !== undefined && draftV !== undefined) {
    sink.add('mud.conflicting-acl-roots', ptr('', DRAFT_ACLS_ROOT), `both '${ACLS_ROOT}' and '${DRAFT_ACLS_ROOT}' are present`);
  } else if (draftV !== undefined) {
    sink.add('mud.draft-access-lists-root', ptr('', DRAFT_ACLS_ROOT), `draft-era '${DRAFT_ACLS_ROOT}' read as '${ACLS_ROOT}'`);
    acls = readAcls(sink, draftV, ptr('', DRAFT_ACLS_ROOT));
  } else if (aclsV !== undefined) {
    acls = readAcls(sink, aclsV, ptr('', ACLS_ROOT));
  }
  if (mudV === undefined) {
    sink.add('mud.missing-root', ptr('', MUD_ROOT), `no '${MUD_ROOT}' container`);
    return undefined;
  }
  const mudPath = ptr('', MUD_ROOT);
  const mud = readObject(sink, mudV, mudPath);
  if (!mud) return undefined;
  const at = (k: string): string => ptr(mudPath, k);
  const get = (k: string): JsonValue | undefined => member(mud, k);

  // mud-version (mandatory, RFC 8520 §2.1: this memo specifies version 1)
  let mudVersion = 1;
  const verV = get('mud-version');
  if (verV === undefined) sink.add('mud.missing-mud-version', at('mud-version'), 'mud-version missing; read as 1');
  else {
    const v = readUint(sink, verV, at('mud-version'), 255);
    if (v !== undefined && v !== 1) sink.add('mud.unsupported-version', at('mud-version'), `mud-version ${v} is not 1`);
    if (v !== undefined) mudVersion = v;
  }

  // mud-url (mandatory)
  let mudUrl: string | undefined;
  let authority: string | undefined;
  const urlV = get('mud-url');
  if (urlV === undefined) sink.add('mud.missing-mud-url', at('mud-url'), 'mud-url is missing');
  else {
    mudUrl = readString(sink, urlV, at('mud-url'));
    if (mudUrl !== undefined) {
      authority = mudUrlAuthority(mudUrl);
      if (authority === undefined) sink.add('mud.bad-mud-url', at('mud-url'), `'${mudUrl}' is not an absolute http(s) URL with a host`);
      else if (mudUrl.startsWith('http:')) sink.add('mud.not-https', at('mud-url'), 'mud-url is http, not https');
    }
  }

  const lastV = get('last-update');
  let lastUpdate: string | undefined;
  if (lastV === undefined) sink.add('mud.missing-mandatory', at('last-update'), 'last-update is missing');
  else {
    lastUpdate = readString(sink, lastV, at('last-update'));
    if (lastUpdate !== undefined && !DATE_AND_TIME.test(lastUpdate)) sink.add('mud.bad-last-update', at('last-update'), `'${lastUpdate}' is not a date-and-time`);
  }

  let cacheValidity = 48; // RFC 8520 default, hours
  const cvV = get('cache-validity');
  if (cvV !== undefined) {
    const cv = readUint(sink, cvV, at('cache-validity'), 255);
    if (cv !== undefined) {
      cacheValidity = Math.min(168, Math.max(1, cv));
      if (cv !== cacheValidity) sink.add('mud.cache-validity-out-of-range', at('cache-validity'), `${cv} hours clamped to ${cacheValidity}`);
    }
  }

  let isSupported: boolean | undefined;
  const isV = get('is-supported');
  if (isV === undefined) sink.add('mud.missing-mandatory', at('is-supported'), 'is-supported is missing');
  else {
    isSupported = readBoolean(sink, isV, at('is-supported'));
    if (isSupported === false) sink.add('mud.device-unsupported', at('is-supported'), 'the manufacturer no longer supports this device');
  }

  const strings: Partial<Record<(typeof STRING_LEAVES)[keyof typeof STRING_LEAVES], string>> = {};
  for (const [k, field] of Object.entries(STRING_LEAVES)) {
    const v = get(k);
    if (v !== undefined) { const s = readString(sink, v, at(k)); if (s !== undefined) strings[field] = s; }
  }
  const uriLeaf = (k: string): string | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    const s = readString(sink, v, at(k));
    if (s !== undefined && !isAbsoluteUri(s)) sink.add('value.bad-uri', at(k), `'${s}' is not an absolute URI`);
    return s;
  };
  const documentation = uriLeaf('documentation');
  const mudSignature = uriLeaf('mud-signature');

  const extensions: string[] = [];
  const extV = get('extensions');
  if (extV !== undefined) {
    readArray(sink, extV, at('extensions'))?.forEach((e, i) => {
      const s = readString(sink, e, ptr(at('extensions'), i));
      if (s === undefined) return;
      extensions.push(s);
      sink.add('mud.extension-ignored', ptr(at('extensions'), i), `extension '${s}' is not implemented by edgeward`);
    });
  }
  for (const k of Object.keys(mud)) {
    if (KNOWN_MUD_MEMBERS.has(k)) continue;
    if (k.includes(':') && !k.startsWith('ietf-mud:')) {
      if (extensions.length === 0) sink.add('mud.undeclared-extension', at(k), `'${k}' is not declared in extensions; ignored`);
      else sink.add('mud.extension-ignored', at(k), `'${k}' ignored`);
    } else sink.add('mud.unknown-member', at(k), `'${k}' ignored`);
  }

  // Policies and their references (RFC 8520 §2.1: names are leafrefs to /acls/acl/name).
  const from = readPolicy(sink, mud, mudPath, 'from-device-policy');
  const to = readPolicy(sink, mud, mudPath, 'to-device-policy');
  const allNames = new Set<string>();
  const refusedNames = new Set<string>();
  // Names of ACLs that exist but were refused still resolve, so that only one refusal is reported.
  const rootKey = draftV !== undefined && aclsV === undefined ? DRAFT_ACLS_ROOT : ACLS_ROOT;
  const rootV = member(doc, rootKey);
  if (isObject(rootV) && Array.isArray(member(rootV, 'acl'))) {
    for (const a of member(rootV, 'acl') as JsonValue[]) {
      if (isObject(a)) {
        const n = member(a, 'name') ?? member(a, 'acl-name');
        if (typeof n === 'string') refusedNames.add(n);
      }
    }
  }
  for (const a of acls) allNames.add(a.name);
  for (const [pol, label] of [[from, 'from-device-policy'], [to, 'to-device-policy']] as const) {
    pol.names.forEach((n, i) => {
      if (!allNames.has(n) && !refusedNames.has(n)) sink.add('policy.unknown-acl', pol.paths[i]!, `${label} names ACL '${n}', which is not defined`);
    });
    if (pol.names.length === 0) sink.add('policy.empty', ptr(mudPath, label), `no ACLs in ${label}: all such traffic is denied`);
  }
  const referenced = new Set([...from.names, ...to.names]);
  for (const a of acls) {
    if (!referenced.has(a.name)) sink.add('acl.unreferenced', a.path, `ACL '${a.name}' is named by no policy`);
  }

  if (sink.refused || mudUrl === undefined || authority === undefined) return undefined;
  return {
    mudVersion,
    mudUrl,
    authority,
    ...(lastUpdate !== undefined && { lastUpdate }),
    ...(mudSignature !== undefined && { mudSignature }),
    cacheValidity,
    ...(isSupported !== undefined && { isSupported }),
    ...strings,
    ...(documentation !== undefined && { documentation }),
    extensions,
    fromDevicePolicy: from.names,
    toDevicePolicy: to.names,
    acls,
  };
}
