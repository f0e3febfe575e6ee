// Ed25519 signatures of fleet commands (node:crypto, PEM keys): the hub signs with its private key
// (hub config commands.signingKeyFile), a gateway verifies with the public keys of
// fleet.commandKeys. Keys are made with `openssl genpkey -algorithm ed25519`.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson, type FleetCommand, type SignedCommand } from './command-types.js';

/**
 * Reads PEM Ed25519 public keys. A file that is missing, not a key, or a key of another type is a
 * problem pushed with its config path (`fleet.commandKeys[i]`) and the file name; the good keys are
 * returned. A private key file is refused too: a gateway needs the public half only.
 */
export function readCommandKeys(paths: readonly string[], problems: string[], configPath = 'fleet.commandKeys'): KeyObject[] {
  const keys: KeyObject[] = [];
  paths.forEach((p, i) => {
    const where = `${configPath}[${i}] (${p})`;
    let text: string;
    try {
      text = readFileSync(p, 'utf8');
    } catch (e) {
      problems.push(`${where}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    if (/-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(text)) {
      problems.push(`${where}: is a private key; give the public key (openssl pkey -in KEY -pubout)`);
      return;
    }
    let key: KeyObject;
    try {
      key = createPublicKey(text);
    } catch {
      problems.push(`${where}: not a PEM public key`);
      return;
    }
    if (key.asymmetricKeyType !== 'ed25519') problems.push(`${where}: an ${key.asymmetricKeyType ?? 'unknown'} key; must be Ed25519`);
    else keys.push(key);
  });
  return keys;
}

/** Reads the hub's PEM Ed25519 private key; throws Error naming the file when it is not one. */
export function readSigningKey(path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not a readable PEM private key (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path}: an ${key.asymmetricKeyType ?? 'unknown'} key; must be Ed25519`);
  return key;
}

/** Signs a command: the message body for `edgeward.<site>.control`. */
export function signCommand(command: FleetCommand, privateKey: KeyObject): SignedCommand {
  // Ed25519 takes no digest name: the algorithm argument is null (RFC 8032 PureEdDSA).
  return { command, signature: sign(null, Buffer.from(canonicalJson(command), 'utf8'), privateKey).toString('base64') };
}

/** Whether `signature` (base64) signs `command` under one of `keys`. Never throws. */
export function verifyCommand(command: unknown, signature: string, keys: readonly KeyObject[]): boolean {
  const sig = Buffer.from(signature, 'base64');
  // An Ed25519 signature is 64 bytes (RFC 8032 §5.1.6); anything else cannot verify.
  if (sig.length !== 64) return false;
  const data = Buffer.from(canonicalJson(command), 'utf8');
  for (const k of keys) {
    try {
      if (verify(null, data, k, sig)) return true;
    } catch {
      // A key the runtime cannot use for this: try the next.
    }
  }
  return false;
}
