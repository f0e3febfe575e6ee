// The parser as the fetcher's accept hook: valid files pass with their cache-validity and signature
// URL, broken ones are refused with the JSON path, and a file naming another URL is refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acceptMudFor } from '../../../../policies/fetch/accept-mud.js';
import { fixture } from '../../../helpers/fixtures.js';

describe('acceptMudFor', () => {
  const dhcp = readFileSync(fixture('mud/nist-mud/mudfile-dhcptest.json'));
  const url = (JSON.parse(dhcp.toString()) as { 'ietf-mud:mud': { 'mud-url': string } })['ietf-mud:mud']['mud-url'];

  it('accepts a valid profile fetched from its own URL, with its cache-validity and mud-signature', () => {
    const r = acceptMudFor(url)(dhcp);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.cacheValidityHours).toBe(48);
      expect(r.signatureUrl).toMatch(/^https:\/\//);
    }
  });

  it('refuses a profile that names another URL', () => {
    const r = acceptMudFor('https://other.example/device.json')(dhcp);
    expect(r).toMatchObject({ ok: false });
    if (!r.ok) expect(r.reason).toContain('/ietf-mud:mud/mud-url');
  });

  it('refuses a broken profile with the JSON path of the fault', () => {
    const broken = readFileSync(fixture('mud/mud-visualizer/augustdoorbellcamMud.json'));
    const r = acceptMudFor('https://augustdoorbellcam.com/augustdoorbellcam')(broken);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('/ietf-access-control-list:access-lists/acl/2/aces/ace/2/matches/ipv6/destination-ipv6-network');
  });
});
