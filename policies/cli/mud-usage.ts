// The usage text of each `edgeward mud` subcommand the policies package runs (validate, compile,
// sign), printed by --help and after a usage fault; kept apart so the CLI can show it cheaply.
import { NFT_PLACEHOLDER_MAC } from '../nft/nft-names.js';

export const MUD_VALIDATE_USAGE = `usage: edgeward mud validate FILE...
  Checks MUD files (RFC 8520, with the RFC 8519 ACL model in JSON): exit 0 when every file is
  accepted (warnings on stderr), 1 when any is refused (each fault with its JSON Pointer path).
`;

export const MUD_COMPILE_USAGE = `usage: edgeward mud compile FILE --nft [--device MAC] [--local PREFIX]... [--controller URI=ADDR[,ADDR...]]...
                          [--my-controller ADDR]... [--emergency PREFIX]... [--device-address ADDR]...
  Prints the nftables script (table inet edgeward) that enforces one MUD file.
options:
  --nft                   the output format (the only one; required)
  --device MAC            key the chains on this device (default the placeholder ${NFT_PLACEHOLDER_MAC})
  --local PREFIX          what local-networks means (repeatable; default the private ranges)
  --controller URI=ADDR   addresses of a controller class named in the file (repeatable)
  --my-controller ADDR    addresses of the device's own controller (repeatable)
  --emergency PREFIX      a destination never blocked (repeatable)
  --device-address ADDR   the device's own addresses (repeatable)
`;

export const MUD_SIGN_USAGE = `usage: edgeward mud sign FILE --cert CERT --key KEY [--chain CHAIN] [--out FILE.p7s]
  Writes the detached CMS signature of a MUD file (RFC 8520 §13: DER SignedData, SHA-256, the
  signer's certificate included), to publish beside the file or upload with it.
options:
  --cert CERT      the signing certificate, PEM or DER (Key Usage digitalSignature, RFC 8520 §13.2)
  --key KEY        its private key, PEM or DER, unencrypted (RSA or ECDSA P-256/384/521)
  --chain CHAIN    intermediate CA certificates to include (PEM bundle), so a gateway that trusts
                   only the root can build the chain
  --out FILE.p7s   where to write (default: FILE with .json replaced by .p7s, as RFC 8520 §13.2
                   names the signature's URL); - writes to stdout
`;
