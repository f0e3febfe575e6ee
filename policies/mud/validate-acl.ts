// Validation of the ACL container (RFC 8519 §4.1 `acls`, or the draft-era `access-lists` root):
// ACL names and types, and each ACL's ACEs.

import type { JsonValue } from './json-source.js';
import { ptr, type IssueSink } from './issues.js';
import { member, pickMember, readArray, readObject, readString, stripPrefix } from './json-read.js';
import { readAce } from './validate-ace.js';
import type { Ace, Acl, AclType } from './profile.js';

const ACL_TYPES: readonly AclType[] = [
  'ipv4-acl-type', 'ipv6-acl-type', 'eth-acl-type',
  'mixed-eth-ipv4-acl-type', 'mixed-eth-ipv6-acl-type', 'mixed-eth-ipv4-ipv6-acl-type',
];
/** Draft-era type values (draft-ietf-netmod-acl-model before -14) and their RFC identities. */
const DRAFT_ACL_TYPES: Record<string, AclType> = {
  'ipv4-acl': 'ipv4-acl-type',
  'ipv6-acl': 'ipv6-acl-type',
  'eth-acl': 'eth-acl-type',
};

/** Reads an ACL type identity, tolerating known quirks; undefined after a refusal. */
export function readAclType(sink: IssueSink, v: JsonValue, path: string): AclType | undefined {
  const text = readString(sink, v, path);
  if (text === undefined) return undefined;
  const id = stripPrefix(text, ['ietf-access-control-list']);
  if ((ACL_TYPES as readonly string[]).includes(id)) return id as AclType;
  if (id === 'ethernet-acl-type') {
    sink.add('acl.ethernet-acl-type', path, "'ethernet-acl-type' read as 'eth-acl-type'");
    return 'eth-acl-type';
  }
  if (id in DRAFT_ACL_TYPES) {
    const t = DRAFT_ACL_TYPES[id]!;
    sink.add('draft.acl-type-value', path, `draft-era type '${text}' read as '${t}'`);
    return t;
  }
  sink.add('acl.unknown-type', path, `'${text}' is not an RFC 8519 ACL type`);
  return undefined;
}

/** Reads the ACL root container; returns the ACLs that hold no refusal. */
export function readAcls(sink: IssueSink, v: JsonValue, path: string): Acl[] {
  const root = readObject(sink, v, path);
  if (!root) return [];
  for (const k of Object.keys(root)) {
    if (k !== 'acl') sink.add('mud.unknown-member', ptr(path, k), `'${k}' ignored`);
  }
  const listV = member(root, 'acl');
  if (listV === undefined) return [];
  const list = readArray(sink, listV, ptr(path, 'acl'));
  if (!list) return [];
  const acls: Acl[] = [];
  const names = new Set<string>();
  list.forEach((entry, i) => {
    const aclPath = ptr(ptr(path, 'acl'), i);
    const before = sink.errors.length;
    const obj = readObject(sink, entry, aclPath);
    if (!obj) return;
    const nameM = pickMember(sink, obj, aclPath, 'name', ['acl-name']);
    let name: string | undefined;
    if (nameM) name = readString(sink, nameM.value, nameM.path);
    else if (!('name' in obj) && !('acl-name' in obj)) sink.add('acl.missing-name', aclPath, 'the ACL has no name');
    if (name === '') sink.add('acl.missing-name', nameM!.path, 'the ACL name is empty');
    if (name !== undefined && name !== '') {
      if (names.has(name)) sink.add('acl.duplicate-name', nameM!.path, `a second ACL named '${name}'`);
      names.add(name);
    }

    const typeM = pickMember(sink, obj, aclPath, 'type', ['acl-type']);
    let type: AclType | undefined;
    if (typeM) type = readAclType(sink, typeM.value, typeM.path);
    else sink.add('acl.missing-type', aclPath, 'no ACL type; ACEs are read by their own matches');

    const aces: Ace[] = [];
    const acesM = pickMember(sink, obj, aclPath, 'aces', ['access-list-entries']);
    if (acesM) {
      const acesObj = readObject(sink, acesM.value, acesM.path);
      if (acesObj) {
        for (const k of Object.keys(acesObj)) {
          if (k !== 'ace') sink.add('mud.unknown-member', ptr(acesM.path, k), `'${k}' ignored`);
        }
        const aceListV = member(acesObj, 'ace');
        const aceList = aceListV === undefined ? [] : readArray(sink, aceListV, ptr(acesM.path, 'ace'));
        const aceNames = new Set<string>();
        aceList?.forEach((aceV, j) => {
          const acePath = ptr(ptr(acesM.path, 'ace'), j);
          const ace = readAce(sink, aceV, acePath, type);
          if (!ace) return;
          if (aceNames.has(ace.name)) {
            const key = 'rule-name' in (aceV as object) ? 'rule-name' : 'name';
            sink.add('ace.duplicate-name', ptr(acePath, key), `a second ACE named '${ace.name}' in ACL '${name ?? '?'}'`);
            return;
          }
          aceNames.add(ace.name);
          aces.push(ace);
        });
      }
    }
    for (const k of Object.keys(obj)) {
      if (!['name', 'acl-name', 'type', 'acl-type', 'aces', 'access-list-entries'].includes(k)) {
        sink.add('mud.unknown-member', ptr(aclPath, k), `ACL member '${k}' ignored`);
      }
    }
    if (sink.errors.length === before && name !== undefined) acls.push({ name, type, path: aclPath, aces });
  });
  return acls;
}
