// Where the token is read from: the Bearer header (RFC 6750 §2.1), the `bearer.<token>`
// subprotocol, and the query-string check that refuses URLs carrying a credential.
import { describe, expect, it } from 'vitest';
import { hasQueryCredential, parseBearer, parseSubprotocols, tokenFromSubprotocols } from '../../gateway/auth/bearer.js';
import { generateToken, redact } from '../../gateway/auth/token-secret.js';

describe('bearer', () => {
  const t = generateToken();

  it('parses the Bearer scheme case-insensitively and nothing else', () => {
    expect(parseBearer(`Bearer ${t}`)).toBe(t);
    expect(parseBearer(`bearer  ${t}`)).toBe(t);
    expect(parseBearer(`Basic ${t}`)).toBeNull();
    expect(parseBearer(`Bearer`)).toBeNull();
    expect(parseBearer(`Bearer ${t} extra`)).toBeNull();
    expect(parseBearer(undefined)).toBeNull();
  });

  it('reads the token from the offered subprotocols', () => {
    expect(parseSubprotocols(`edgeward.v1, bearer.${t}`)).toEqual(['edgeward.v1', `bearer.${t}`]);
    expect(parseSubprotocols(['edgeward.v1', `bearer.${t}`])).toEqual(['edgeward.v1', `bearer.${t}`]);
    expect(tokenFromSubprotocols(parseSubprotocols(`edgeward.v1, bearer.${t}`))).toBe(t);
    expect(tokenFromSubprotocols(new Set(['edgeward.v1']))).toBeNull();
    expect(tokenFromSubprotocols(['bearer.'])).toBeNull();
  });

  it('generates tokens that are valid subprotocol tokens (RFC 7230 tchar)', () => {
    for (let i = 0; i < 50; i++) expect(`bearer.${generateToken()}`).toMatch(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
  });

  it('spots credentials in the query string', () => {
    expect(hasQueryCredential(`/api/v1/stream?token=${t}`)).toBe(true);
    expect(hasQueryCredential(`/api/v1/stream?Access_Token=x`)).toBe(true);
    expect(hasQueryCredential(`/api/v1/alerts?rule=scan.port&${t}`)).toBe(true);
    expect(hasQueryCredential(`/api/v1/alerts?q=${t}`)).toBe(true);
    expect(hasQueryCredential('/api/v1/alerts?rule=scan.port&limit=5')).toBe(false);
    expect(hasQueryCredential('/api/v1/stream')).toBe(false);
  });

  it('redacts a token to its prefix and four characters', () => {
    expect(redact(t)).toBe(t.slice(0, 7) + '…');
    expect(redact('something else')).toBe('…');
  });
});
