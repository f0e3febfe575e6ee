// The secret half of an API token: how it is made, stored (hashed) and shown in logs (redacted).
// The plain token is returned once at creation and never written anywhere by the gateway.
import { createHash, randomBytes } from 'node:crypto';

/** Prefix of every token, so leaked tokens are recognisable by secret scanners and by people. */
export const TOKEN_PREFIX = 'ew_';

/** Random bytes of a token's secret (256 bits). */
export const TOKEN_BYTES = 32;

/** `ew_` and 43 base64url characters: the only shape {@link isTokenShape} accepts. */
const TOKEN_SHAPE = /^ew_[A-Za-z0-9_-]{43}$/;

/**
 * A new token: `ew_` + base64url(32 random bytes). base64url keeps it a valid HTTP header value and
 * a valid WebSocket subprotocol token (RFC 6455 §4.1 uses RFC 7230 token characters).
 */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Whether `s` has the shape of a token (checked before any lookup). */
export function isTokenShape(s: string): boolean {
  return TOKEN_SHAPE.test(s);
}

/**
 * What the database keeps: SHA-256 hex of the token. A slow password hash (scrypt, argon2) is there
 * to make guessing low-entropy passwords expensive; a token is 256 random bits, which no amount of
 * guessing reaches, so a fast hash loses nothing and keeps verification per request cheap. A stolen
 * database still yields no usable token.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A token as it may appear in a message to a person: the prefix and the first four characters of
 * the secret (24 of 256 bits), enough to tell two tokens apart, useless to an attacker. Log lines
 * carry the token's public id instead; this is for the rare message that has only the token.
 */
export function redact(token: string): string {
  return token.startsWith(TOKEN_PREFIX) ? `${token.slice(0, TOKEN_PREFIX.length + 4)}…` : '…';
}

/** A new public token id: 12 hex characters (48 random bits), shown by `token list`, used by `revoke`. */
export function generateTokenId(): string {
  return randomBytes(6).toString('hex');
}
