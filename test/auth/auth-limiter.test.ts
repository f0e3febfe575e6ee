// The failed-auth limiter on a fake clock, one credential key throughout: block after N failures in
// the window, Retry-After for the block, sliding window, IPv6 counted per /64, and a bounded number
// of tracked clients.
import { describe, expect, it } from 'vitest';
import { AuthLimiter } from '../../gateway/auth/auth-limiter.js';
import { clientKey } from '../../gateway/auth/client-key.js';

/** One credential key for these cases (the per-prefix behaviour has its own file, auth-limiter-prefix.test.ts). */
const K = 'ew_AAAAAAAA';

function limiter(over: Partial<ConstructorParameters<typeof AuthLimiter>[0]> = {}): { l: AuthLimiter; clock: { t: number } } {
  const clock = { t: 0 };
  return { l: new AuthLimiter({ now: () => clock.t, ...over }), clock };
}

describe('AuthLimiter', () => {
  it('blocks after 10 failures within 60 s, for the block period', () => {
    const { l, clock } = limiter();
    for (let i = 0; i < 9; i++) {
      expect(l.fail('192.0.2.1', K)).toEqual({ blocked: false });
      clock.t += 1000;
    }
    expect(l.check('192.0.2.1', K)).toEqual({ blocked: false });
    expect(l.fail('192.0.2.1', K)).toEqual({ blocked: true, retryAfterMs: 300_000 });
    clock.t += 100_000;
    expect(l.check('192.0.2.1', K)).toEqual({ blocked: true, retryAfterMs: 200_000 });
    expect(l.check('192.0.2.2', K)).toEqual({ blocked: false });
    clock.t += 200_000;
    expect(l.check('192.0.2.1', K)).toEqual({ blocked: false });
    // The block used up the failures: the count starts again.
    expect(l.fail('192.0.2.1', K)).toEqual({ blocked: false });
    expect(l.stats().pairs.blocks).toBe(1);
  });

  it('forgets failures older than the window (sliding)', () => {
    const { l, clock } = limiter({ maxFailures: 3, windowMs: 10_000, blockMs: 5000 });
    l.fail('a', K); clock.t = 6000;
    l.fail('a', K); clock.t = 10_000; // the first is now out of the window
    expect(l.fail('a', K)).toEqual({ blocked: false });
    clock.t = 12_000;
    expect(l.fail('a', K)).toEqual({ blocked: true, retryAfterMs: 5000 });
  });

  it('counts an IPv6 /64 as one client and an IPv4-mapped address as its IPv4', () => {
    expect(clientKey('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(clientKey('2001:db8:0:1:ffff:1:2:3%eth0')).toBe('2001:db8:0:1::/64');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    const { l } = limiter({ maxFailures: 2 });
    l.fail('2001:db8:0:1::1', K);
    expect(l.fail('2001:db8:0:1::2', K)).toMatchObject({ blocked: true });
    expect(l.check('2001:db8:0:1:aaaa::9', K)).toMatchObject({ blocked: true });
    expect(l.check('2001:db8:0:2::1', K)).toEqual({ blocked: false });
    l.fail('::ffff:192.0.2.7', K);
    expect(l.fail('192.0.2.7', K)).toMatchObject({ blocked: true });
  });

  it('tracks at most maxClients, forgetting the least recently failing', () => {
    const { l } = limiter({ maxClients: 100, maxFailures: 2 });
    l.fail('10.0.0.0', K);
    l.fail('10.0.0.1', K);
    for (let i = 2; i < 1000; i++) {
      l.fail(`10.0.${i >> 8}.${i & 255}`, K);
      if (i === 50) l.fail('10.0.0.1', K); // 10.0.0.1 fails again: blocked, and now recent
    }
    expect(l.stats().pairs).toMatchObject({ tracked: 100, evicted: 900 });
    expect(l.check('10.0.0.1', K)).toEqual({ blocked: false }); // evicted after 100 newer ones
    l.fail('10.0.3.231', K);
    expect(l.check('10.0.3.231', K)).toMatchObject({ blocked: true }); // recent: still counted
  });
});
