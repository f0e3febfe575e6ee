// Hand-built MUD documents for parser tests: a small valid RFC 8520 document, and a way to break
// one member at a JSON Pointer.

/** JSON-like value. */
export type Doc = Record<string, unknown>;

/** A minimal valid document: one ACL per direction, one ACE each (RFC 8520 §9 style). */
export function validDoc(): Doc {
  return {
    'ietf-mud:mud': {
      'mud-version': 1,
      'mud-url': 'https://lighting.example.com/lightbulb2000',
      'last-update': '2019-01-28T11:20:51+01:00',
      'cache-validity': 48,
      'is-supported': true,
      systeminfo: 'The BMS Example Light Bulb',
      'from-device-policy': { 'access-lists': { 'access-list': [{ name: 'mud-76100-v6fr' }] } },
      'to-device-policy': { 'access-lists': { 'access-list': [{ name: 'mud-76100-v6to' }] } },
    },
    'ietf-access-control-list:acls': {
      acl: [
        {
          name: 'mud-76100-v6to',
          type: 'ipv6-acl-type',
          aces: {
            ace: [{
              name: 'cl0-todev',
              matches: {
                ipv6: { 'ietf-acldns:src-dnsname': 'test.example.com', protocol: 6 },
                tcp: { 'ietf-mud:direction-initiated': 'from-device', 'source-port': { operator: 'eq', port: 443 } },
              },
              actions: { forwarding: 'accept' },
            }],
          },
        },
        {
          name: 'mud-76100-v6fr',
          type: 'ipv6-acl-type',
          aces: {
            ace: [{
              name: 'cl0-frdev',
              matches: {
                ipv6: { 'ietf-acldns:dst-dnsname': 'test.example.com', protocol: 6 },
                tcp: { 'ietf-mud:direction-initiated': 'from-device', 'destination-port': { operator: 'eq', port: 443 } },
              },
              actions: { forwarding: 'accept' },
            }],
          },
        },
      ],
    },
  };
}

/** An ACL of a document such as {@link validDoc}'s, as the tests read it. */
export interface DocAcl {
  name: string;
  aces: { ace: Doc[] };
}

/** The ACLs of `doc` (`ietf-access-control-list:acls`/`acl`). */
export function aclsOf(doc: Doc): DocAcl[] {
  return (doc['ietf-access-control-list:acls'] as { acl: DocAcl[] }).acl;
}

const unescape = (t: string): string => t.replace(/~1/g, '/').replace(/~0/g, '~');

/** Returns a deep copy of `doc` with the member at `pointer` set to `value` (or removed when `value` is `DELETE`). */
export function withMember(doc: Doc, pointer: string, value: unknown): Doc {
  const copy = structuredClone(doc);
  const tokens = pointer.split('/').slice(1).map(unescape);
  // Objects and arrays alike are indexed by the pointer's tokens (an array by its index as text).
  let node = copy;
  for (const t of tokens.slice(0, -1)) node = node[t] as Doc;
  const last = tokens[tokens.length - 1]!;
  if (value === DELETE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** Marker for {@link withMember}: remove the member. */
export const DELETE = Symbol('delete');

/** The text of a document. */
export const text = (doc: Doc): string => JSON.stringify(doc, null, 2);

/** Pointer of ACL `i`'s ACE `j` in the RFC-shaped documents of {@link validDoc}. */
export const acePtr = (i: number, j: number): string => `/ietf-access-control-list:acls/acl/${i}/aces/ace/${j}`;
