// The one registry of MUD parse issues: every warning and refusal the parser can raise, with its
// stable code, its severity and what it means. Tests assert codes, never message text; a test
// checks that every code here is documented. Append new codes; never rename or reuse one.

/** A refusal stops the file from being used; a warning names a quirk that was read one safe way. */
export type IssueSeverity = 'refusal' | 'warning';

/** One warning or refusal: where (RFC 6901 JSON Pointer into the document), what, and why. */
export interface MudIssue {
  /** JSON Pointer (RFC 6901) of the member at fault, e.g. `/ietf-mud:mud/mud-url`; '' is the root. */
  readonly path: string;
  /** Stable code from {@link MUD_ISSUES}. */
  readonly code: MudIssueCode;
  /** Human-readable reason, for operators; never matched by tests. */
  readonly message: string;
  /** 1-based line and column, given for JSON syntax errors. */
  readonly line?: number;
  readonly column?: number;
}

const R = 'refusal' as const;
const W = 'warning' as const;

/** Every issue code: severity, then what it means and what edgeward does about it. */
export const MUD_ISSUES = {
  // ---- JSON text
  'json.syntax': [R, 'The text is not JSON (RFC 8259); the issue carries line and column.'],
  'json.too-large': [R, 'The text is longer than the parser accepts (opts.maxBytes, default 1 MiB).'],
  'json.too-deep': [R, 'Objects/arrays nest deeper than opts.maxDepth (default 64).'],
  'json.duplicate-member': [R, 'An object names the same member twice; JSON parsers disagree on which wins, so no reading is safe.'],
  // ---- values
  'value.wrong-type': [R, 'A member has the wrong JSON type for its YANG type (RFC 7951), e.g. a port given as a string.'],
  'value.out-of-range': [R, 'A number outside its YANG range (protocol 0-255, ICMP type/code 0-255, ...), or not an integer.'],
  'value.bad-enum': [R, 'A string that is not one of the enumeration/identity values (operator, direction-initiated, forwarding, ...).'],
  'value.bad-network': [R, 'An IPv4/IPv6 network that does not parse as a prefix of its family (e.g. an IPv4 address in destination-ipv6-network).'],
  'value.bad-mac': [R, 'A MAC address or mask that is not six colon-separated hex octets.'],
  'value.bad-ethertype': [R, 'An ethertype that is neither 0-65535, a hex string, nor an ietf-ethertypes name.'],
  'value.bad-host': [R, 'A DNS name (dnsname, manufacturer) that is not a valid host name.'],
  'value.bad-uri': [R, 'A URI member (controller, model, documentation, mud-signature) that is not an absolute URI.'],
  // ---- MUD container (RFC 8520 §2.1)
  'mud.missing-root': [R, 'No `ietf-mud:mud` container at the top level.'],
  'mud.missing-mud-url': [R, 'The mandatory mud-url is missing; the profile cannot be tied to devices.'],
  'mud.bad-mud-url': [R, 'mud-url is not an absolute http(s) URL with an authority (RFC 8520 §3.3).'],
  'mud.unsupported-version': [R, 'mud-version is not 1, the only version RFC 8520 defines.'],
  'mud.conflicting-acl-roots': [R, 'Both `ietf-access-control-list:acls` and the draft-era `access-lists` root are present; which one holds the ACLs is ambiguous.'],
  'mud.draft-access-lists-root': [W, 'ACLs sit under the draft-era `ietf-access-control-list:access-lists` root; read as `acls`.'],
  'mud.missing-mud-version': [W, 'mud-version is missing (mandatory); read as 1.'],
  'mud.missing-mandatory': [W, 'A mandatory metadata leaf (last-update, is-supported) is missing; it does not affect enforcement.'],
  'mud.bad-last-update': [W, 'last-update is not a yang:date-and-time; kept as text.'],
  'mud.cache-validity-out-of-range': [W, 'cache-validity is outside 1..168 hours; clamped into range.'],
  'mud.not-https': [W, 'mud-url uses http, not https as RFC 8520 §3.3 requires; accepted, its authority still names the manufacturer.'],
  'mud.device-unsupported': [W, 'is-supported is false: the manufacturer no longer supports this device.'],
  'mud.undeclared-extension': [W, 'A namespaced member of the mud container that no `extensions` entry declares (e.g. ietf-mud-reporter-extension:reporter); ignored.'],
  'mud.extension-ignored': [W, 'An extension declared in `extensions`, or a member it adds, that edgeward does not implement; ignored.'],
  'mud.unknown-member': [W, 'A member this schema does not define, outside any match container; ignored.'],
  // ---- draft-era names (osMUD and early MUD tools)
  'draft.member-name': [W, 'A draft-era member name (acl-name, acl-type, access-list-entries, rule-name, ipv4-acl, ipv6-acl, ietf-mud:mud-acl, ...) read as its RFC name.'],
  'draft.conflicting-names': [R, 'A member is given both under its RFC name and its draft-era name.'],
  'draft.acl-type-value': [W, 'A draft-era ACL type value (ipv4-acl, ipv6-acl, eth-acl) read as the RFC 8519 identity (ipv4-acl-type, ...).'],
  'draft.policy-acl-type': [W, 'A draft-era acl-type inside a policy access-list entry; ignored (the ACL itself carries the type).'],
  'draft.l3-ports': [W, 'Draft-era port ranges inside the ipv4/ipv6 match; applied to the TCP or UDP ports that `protocol` names.'],
  'draft.ambiguous-ports': [R, 'Draft-era port ranges inside the ipv4/ipv6 match without protocol 6 or 17: no transport to apply them to.'],
  // ---- policies
  'policy.unknown-acl': [R, 'A from/to-device policy names an ACL that the document does not define.'],
  'policy.empty': [W, 'A direction has no ACLs: all traffic in that direction is denied (RFC 8519 implicit deny).'],
  'policy.duplicate-acl': [W, 'A from/to-device policy names the same ACL more than once; the repeats are ignored (they could match nothing the first did not).'],
  // ---- ACLs (RFC 8519 §4.1)
  'acl.missing-name': [R, 'An ACL has no name (the list key).'],
  'acl.duplicate-name': [R, 'Two ACLs share a name; a policy naming it is ambiguous.'],
  'acl.unknown-type': [R, 'An ACL type that is not an RFC 8519 identity or a known quirk.'],
  'acl.missing-type': [W, 'An ACL has no type; each ACE is read by its own match containers (any family when it has none).'],
  'acl.ethernet-acl-type': [W, 'The non-standard `ethernet-acl-type` (mudgee) read as `eth-acl-type`.'],
  'acl.unreferenced': [W, 'An ACL that no policy names; it is never applied.'],
  // ---- ACEs
  'ace.missing-name': [R, 'An ACE has no name (the list key).'],
  'ace.duplicate-name': [R, 'Two ACEs of one ACL share a name.'],
  'ace.missing-actions': [R, 'An ACE has no actions, so what to do on a match is unknown.'],
  'ace.missing-forwarding': [R, 'An ACE has actions but no forwarding action.'],
  'ace.conflicting-matches': [R, 'Matches that cannot hold together: ipv4 and ipv6, tcp and udp, a network and a dnsname for one side, a protocol that contradicts tcp/udp/icmp, an ethertype or family that contradicts the ACL type.'],
  'ace.port-out-of-range': [R, 'A port outside 0-65535.'],
  'ace.port-range-inverted': [R, 'lower-port is greater than upper-port.'],
  'ace.port-ambiguous': [R, 'A port match with both `port` and `lower-port`/`upper-port`, or only one bound of a range.'],
  'ace.match-outside-acl-type': [W, 'A match container the ACL type does not cover (e.g. eth in an ipv4-acl-type ACL); the ACE is read as a mixed ACE.'],
  'ace.ethertype-hex-string': [W, 'ethertype given as a hex string ("0x0800") instead of a number or ietf-ethertypes name; read as the number.'],
  'ace.ethertype-is-length': [W, 'ethertype below 0x0600 is an IEEE 802.3 length, not a type; no real frame will match.'],
  'ace.operator-with-range': [W, '`operator` next to lower-port/upper-port (a YANG choice violation); the operator is ignored and the range used.'],
  'ace.network-without-prefix': [W, 'An ipv4/ipv6 network given as a bare address; read as a host prefix (/32, /128).'],
  'ace.network-host-bits': [W, 'A network with bits set beyond its prefix length; the host bits are cleared.'],
  'ace.protocol-implied': [W, 'A tcp/udp/icmp match without the ipv4/ipv6 protocol; the protocol is implied by the container.'],
  'ace.ipv6-extension-header-protocol': [W, 'IPv6 protocol is an extension header number (0, 43, 44, 60); RFC 8519 matches the upper-layer protocol, so real packets rarely match.'],
  'ace.unsupported-match': [W, 'A match edgeward cannot enforce (ttl, dscp, tcp flags, interfaces, unknown members): an accept ACE carrying it never matches; a drop/reject ACE ignores it.'],
  'ace.matches-everything': [W, 'An ACE without matches matches every packet of its ACL\'s families.'],
  'ace.unknown-logging': [W, 'A logging action that is not log-syslog or log-none; ignored.'],
} as const satisfies Record<string, readonly [IssueSeverity, string]>;

/** Every issue code. */
export type MudIssueCode = keyof typeof MUD_ISSUES;

/** Severity of a code. */
export function issueSeverity(code: MudIssueCode): IssueSeverity {
  return MUD_ISSUES[code][0];
}

/** Collects warnings and refusals while a document is read. */
export class IssueSink {
  readonly warnings: MudIssue[] = [];
  readonly errors: MudIssue[] = [];

  /** Records an issue; its severity comes from the registry. */
  add(code: MudIssueCode, path: string, message: string, pos?: { line: number; column: number }): void {
    const issue: MudIssue = pos ? { path, code, message, line: pos.line, column: pos.column } : { path, code, message };
    if (issueSeverity(code) === 'refusal') this.errors.push(issue);
    else this.warnings.push(issue);
  }

  get refused(): boolean {
    return this.errors.length > 0;
  }
}

/** Appends a member name or array index to a JSON Pointer (RFC 6901 §3 escaping). */
export function ptr(base: string, key: string | number): string {
  const token = typeof key === 'number' ? String(key) : key.replace(/~/g, '~0').replace(/\//g, '~1');
  return `${base}/${token}`;
}

/** Formats one issue as a line for a terminal: `refused CODE at PATH: message`. */
export function formatIssue(issue: MudIssue): string {
  const kind = issueSeverity(issue.code) === 'refusal' ? 'refused' : 'warning';
  const at = issue.path === '' ? '(document root)' : issue.path;
  const pos = issue.line !== undefined ? ` (line ${issue.line}, column ${issue.column})` : '';
  return `${kind} ${issue.code} at ${at}${pos}: ${issue.message}`;
}
