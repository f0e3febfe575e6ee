// The policies library the gateway imports: parse and validate MUD files (RFC 8520 / RFC 8519),
// compile a profile for one device into a flow matcher, and render nftables scripts.

export { parseMud, type MudParseResult, type ParseMudOptions } from './mud/parse-mud.js';
export { MUD_ISSUES, formatIssue, issueSeverity, type IssueSeverity, type MudIssue, type MudIssueCode } from './mud/issues.js';
export type {
  Ace, AceMatches, Acl, AclType, Direction, EthMatch, Forwarding, IcmpMatch, L3Match, L4Match, MacMatch,
  MudClassMatch, MudProfile, PortMatch,
} from './mud/profile.js';
export { findAcl } from './mud/profile.js';
export { describeAce } from './mud/ace-text.js';
export { mudUrlAuthority } from './mud/mud-url.js';
export { readJsonSource, type JsonSourceResult, type JsonValue } from './mud/json-source.js';

export { compileProfile, CompiledPolicy } from './compile/compiled-policy.js';
export {
  LINK_SCOPE_PREFIXES, POLICY_CONTEXT_DEFAULTS, PRIVATE_NETWORKS, PolicyContextError, SERVICE_URNS,
  type PeerDevice, type PolicyContext,
} from './compile/policy-context.js';
export { EMERGENCY_ACE, EMERGENCY_ACL, type FlowQuery, type Verdict } from './compile/verdict.js';
export { ruleSpecs, type AddressRef, type PortRange, type RuleSpec } from './compile/rule-spec.js';
export {
  ACE_DIFFERENCES, aceDistance, addressRefText, differenceText, nearestAce, peerAddressText, policyAddressTest, protocolName,
  type AceDifference, type AceDifferenceCode, type AceDistance, type AddressTest, type NearestAce,
} from './compile/ace-distance.js';

export { renderNft, type RenderNftOptions } from './nft/render-nft.js';
export { NFT_PLACEHOLDER_MAC, NFT_TABLE } from './nft/nft-names.js';

export { runMudCommand, MUD_USAGE, type MudCommandIo } from './cli/mud-command.js';

export {
  formatIpv4, formatIpv6, formatPrefix, parseIpAddress, parseIpv4, parseIpv6, parsePrefix, type IpPrefix,
} from './net/ip-address.js';
export { formatMac, parseMac } from './net/mac-address.js';

export { verifyMudSignature, parseTrustAnchors, SIGNATURE_ERRORS, type SignatureResult, type SignatureErrorCode } from './signature/verify-mud-signature.js';
export { verifyMudSignatureScoped, type ScopedSigner, type ScopedSignatureResult, type ScopedVerifyOptions } from './signature/verify-scoped.js';
export { signMud, MudSignError, type MudSignature, type MudSigningInput } from './signature/sign-mud.js';
export {
  MudFetcher, MUD_FETCHER_DEFAULTS, FETCH_ERRORS, clampCacheValidity, signatureUrlFor,
  type AcceptResult, type FetchResult, type MudFetcherOptions, type FetchErrorCode,
} from './fetch/mud-fetcher.js';
export { acceptMudFor } from './fetch/accept-mud.js';
