// LiveSource without an interface: option checks, cap's link-type names, stop before start.
// Runs everywhere (no root, no cap needed); the capture itself is in live-source.test.ts.
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../gateway/capture/frame-source.js';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from '../../gateway/capture/link-types.js';
import { CAP_FIX_HINT, LiveSource, capLinkType, capUnavailableReason, loadCap } from '../../gateway/capture/live-source.js';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof CaptureError ? e.code : `not a CaptureError: ${String(e)}`;
  }
}

describe('capLinkType', () => {
  it('maps the names cap 0.2.1 returns to LINKTYPE_* numbers', () => {
    expect(capLinkType('ETHERNET')).toBe(LINKTYPE_ETHERNET);
    expect(capLinkType('NULL')).toBe(LINKTYPE_NULL);
    expect(capLinkType('LINKTYPE_LINUX_SLL')).toBe(LINKTYPE_LINUX_SLL);
    expect(capLinkType('LINUX_SLL')).toBe(LINKTYPE_LINUX_SLL);
    expect(capLinkType('LINUX_SLL2')).toBe(LINKTYPE_LINUX_SLL2);
    expect(capLinkType('RAW')).toBe(LINKTYPE_RAW);
    expect(capLinkType('IPV4')).toBe(LINKTYPE_IPV4);
    expect(capLinkType('IPV6')).toBe(LINKTYPE_IPV6);
    expect(capLinkType('IEEE802_11_RADIO')).toBe(127);
  });

  it('reads the DLT number of "Unknown linktype N", turning BSD raw-IP numbers into LINKTYPE_RAW', () => {
    expect(capLinkType('Unknown linktype 276')).toBe(LINKTYPE_LINUX_SLL2);
    expect(capLinkType('Unknown linktype 228')).toBe(LINKTYPE_IPV4);
    expect(capLinkType('Unknown linktype 14')).toBe(LINKTYPE_RAW);
    if (process.platform !== 'openbsd') expect(capLinkType('Unknown linktype 12')).toBe(LINKTYPE_RAW);
    expect(capLinkType('something else')).toBeNull();
  });
});

describe('LiveSource options', () => {
  it('refuses bad options with capture.open_failed', () => {
    expect(codeOf(() => new LiveSource({ device: '' }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', snaplen: 0 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', snaplen: 1.5 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', bufferSize: -1 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', bufferSize: 2 ** 31 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo' }))).toBeNull();
  });

  it('says when an option cannot be honoured by cap', () => {
    const src = new LiveSource({ device: 'lo', snaplen: 262144, promiscuous: false });
    expect(src.stats().warnings).toHaveLength(2);
    expect(src.label).toBe('lo');
    expect(src.totalBytes).toBeUndefined();
    expect(src.linkType).toBe(-1);
  });

  it('stop() before run() is safe, twice, and run() then ends at once with empty stats', async () => {
    const src = new LiveSource({ device: 'lo' });
    src.stop();
    src.stop();
    const stats = await src.run(() => {});
    expect(stats).toEqual({ frames: 0, bytes: 0, dropped: 0, sinkErrors: 0, warnings: [] });
    await expect(src.open()).rejects.toMatchObject({ code: 'capture.open_failed' });
  });

  it('a missing interface rejects run() with capture.open_failed, or capture.live_unavailable without cap', async () => {
    const cap = await loadCap();
    const src = new LiveSource({ device: 'edgeward-no-such-if0' });
    const err = await src.run(() => {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as CaptureError).code).toBe(cap === null ? 'capture.live_unavailable' : 'capture.open_failed');
    if (cap === null) expect(capUnavailableReason()).toContain(CAP_FIX_HINT);
    else expect(capUnavailableReason()).toBeNull();
    // A cap handle whose open() failed segfaults in close() and in its destructor: the source must
    // never close it, and must keep it from garbage collection. Force a GC to prove it.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await new Promise((r) => setTimeout(r, 10));
    gc();
    await new Promise((r) => setTimeout(r, 10));
    gc();
  });
});
