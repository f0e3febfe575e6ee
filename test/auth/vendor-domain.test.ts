// A vendor's scope: the MUD URL's host must be its domain or a name under it, over https.
import { describe, expect, it } from 'vitest';
import { normalizeVendorDomain, vendorOwns } from '../../gateway/auth/vendor-domain.js';

describe('vendorOwns', () => {
  it.each([
    ['https://example.com/lightbulb.json', true],
    ['https://mud.example.com/v2/camera.json', true],
    ['https://a.b.example.com/x', true],
    ['https://EXAMPLE.com./x', true],
    ['https://example.com:8443/x', true],
    ['https://evil-example.com/x', false], // a suffix of the text, not of the labels
    ['https://example.com.evil.net/x', false],
    ['https://notexample.com/x', false],
    ['https://example.com@evil.net/x', false], // userinfo, the host is evil.net
    ['https://evil.net/https://example.com/x', false],
    ['http://example.com/x', false], // RFC 8520 §4: MUD URLs are https
    ['ftp://example.com/x', false],
    ['https://192.0.2.1/x', false],
    ['https://[2001:db8::1]/x', false],
    ['https://0x7f.1/x', false],
    ['not a url', false],
    ['', false],
  ])('%s → %s', (url, owned) => {
    expect(vendorOwns('example.com', url)).toBe(owned);
  });

  it('normalizes the vendor side too, and owns nothing for a malformed domain', () => {
    expect(vendorOwns('Example.COM.', 'https://mud.example.com/x')).toBe(true);
    expect(vendorOwns('com', 'https://example.com/x')).toBe(false);
    expect(vendorOwns('', 'https://example.com/x')).toBe(false);
    expect(vendorOwns('192.0.2.1', 'https://192.0.2.1/x')).toBe(false);
  });

  it('matches international names by their A-labels', () => {
    expect(vendorOwns('bücher.example', 'https://mud.xn--bcher-kva.example/x')).toBe(true);
    expect(vendorOwns('xn--bcher-kva.example', 'https://mud.bücher.example/x')).toBe(true);
  });

  it('normalizeVendorDomain', () => {
    expect(normalizeVendorDomain(' Mud.Example.com. ')).toBe('mud.example.com');
    expect(normalizeVendorDomain('example')).toBeNull();
    expect(normalizeVendorDomain('exa_mple.com')).toBeNull();
    expect(normalizeVendorDomain('1.2.3.4')).toBeNull();
  });
});
