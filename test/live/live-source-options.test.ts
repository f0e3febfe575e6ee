// LiveSource without an interface: option checks, DLT → LINKTYPE mapping, stop before start, a
// missing interface. Runs everywhere (no root, no addon needed); capture itself is in
// live-source.test.ts.
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
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
} from '../../gateway/capture/link-types.js';
import {
  LIVE_CAPTURE_FIX_HINT,
  LIVE_SOURCE_DEFAULTS,
  LiveSource,
  captureUnavailableReason,
  dltToLinkType,
} from '../../gateway/capture/live-source.js';

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof CaptureError ? e.code : `not a CaptureError: ${String(e)}`;
  }
}

describe('dltToLinkType', () => {
  it('keeps the DLT numbers that equal their LINKTYPE (Linux: DLT_EN10MB, DLT_NULL, DLT_LINUX_SLL, SLL2, IPV4, IPV6, LOOP)', () => {
    expect(dltToLinkType(1)).toBe(LINKTYPE_ETHERNET);
    expect(dltToLinkType(0)).toBe(LINKTYPE_NULL);
    expect(dltToLinkType(113)).toBe(LINKTYPE_LINUX_SLL);
    expect(dltToLinkType(276)).toBe(LINKTYPE_LINUX_SLL2);
    expect(dltToLinkType(228)).toBe(LINKTYPE_IPV4);
    expect(dltToLinkType(229)).toBe(LINKTYPE_IPV6);
    expect(dltToLinkType(108)).toBe(LINKTYPE_LOOP);
    expect(dltToLinkType(127)).toBe(127); // 802.11 + radiotap: passed on, decoded as unsupported
  });

  it('turns the BSD raw-IP numbers into LINKTYPE_RAW (12 is DLT_LOOP on OpenBSD only)', () => {
    expect(dltToLinkType(14)).toBe(LINKTYPE_RAW);
    expect(dltToLinkType(12)).toBe(process.platform === 'openbsd' ? LINKTYPE_LOOP : LINKTYPE_RAW);
  });
});

describe('LiveSource options', () => {
  it('has the documented defaults', () => {
    expect(LIVE_SOURCE_DEFAULTS).toEqual({
      filter: '',
      snaplen: 65535,
      bufferSize: 32 * 1024 * 1024,
      ringSize: 64 * 1024 * 1024,
      timeoutMs: 10,
      promiscuous: true,
      immediate: false,
    });
    expect(Object.isFrozen(LIVE_SOURCE_DEFAULTS)).toBe(true);
  });

  it('refuses bad options with capture.open_failed', () => {
    expect(codeOf(() => new LiveSource({ device: '' }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', snaplen: 0 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', snaplen: 1.5 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', snaplen: 262145 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', bufferSize: -1 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', bufferSize: 2 ** 31 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', ringSize: 1024 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', ringSize: 2 ** 32 + 8 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', timeoutMs: 0 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', timeoutMs: 2.5 }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', promiscuous: 'no' as unknown as boolean }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', immediate: 1 as unknown as boolean }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo', filter: 7 as unknown as string }))).toBe('capture.open_failed');
    expect(codeOf(() => new LiveSource({ device: 'lo' }))).toBeNull();
    expect(codeOf(() => new LiveSource({ device: 'lo', snaplen: 262144, promiscuous: false, immediate: true, timeoutMs: 1 }))).toBeNull();
  });

  it('accepts every option it has without a warning, and warns when the ring cannot hold a frame of snaplen', () => {
    const src = new LiveSource({ device: 'lo', snaplen: 262144, promiscuous: false, immediate: true, bufferSize: 1 << 20, ringSize: 1 << 20 });
    expect(src.stats().warnings).toEqual([]);
    expect(src.label).toBe('lo');
    expect(src.totalBytes).toBeUndefined();
    expect(src.linkType).toBe(-1);
    const small = new LiveSource({ device: 'lo', ringSize: 65536 });
    expect(small.stats().warnings).toHaveLength(1);
    expect(small.stats().warnings[0]).toContain('ringDropped');
  });

  it('stop() before run() is safe, twice, and run() then ends at once with empty stats', async () => {
    const src = new LiveSource({ device: 'lo' });
    src.stop();
    src.stop();
    const stats = await src.run(() => {});
    expect(stats).toEqual({ frames: 0, bytes: 0, dropped: 0, sinkErrors: 0, warnings: [] });
    expect(src.captureStats()).toEqual({
      received: 0, kernelDropped: 0, ifDropped: 0, ringDropped: 0, captured: 0, capturedBytes: 0, delivered: 0, sinkErrors: 0,
    });
    await expect(src.open()).rejects.toMatchObject({ code: 'capture.open_failed' });
  });

  it('a missing interface rejects run() with capture.open_failed (or capture.live_unavailable without the addon)', async () => {
    const reason = captureUnavailableReason();
    const src = new LiveSource({ device: 'edgeward-no-such-if0' });
    const err = await src.run(() => {}).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CaptureError);
    expect((err as CaptureError).code).toBe(reason !== null ? 'capture.live_unavailable' : 'capture.open_failed');
    if (reason !== null) {
      expect(reason).toContain(LIVE_CAPTURE_FIX_HINT);
      expect((err as CaptureError).message).toContain(LIVE_CAPTURE_FIX_HINT);
    } else {
      expect((err as CaptureError).message).toMatch(/^edgeward-no-such-if0: /);
    }
    src.stop(); // after a failed open: nothing to close, no throw
    src.stop();
    // A failed open leaves no native handle behind: garbage collection afterwards is uneventful.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    await new Promise((r) => setTimeout(r, 10));
    gc();
    await new Promise((r) => setTimeout(r, 10));
    gc();
  });
});
