// The capture addon itself (gateway/capture/native/edgeward_pcap.c) on lo: the errors it throws,
// and the ways of ending a capture that must not crash the process (close twice, close inside
// onReadable, process exit while open). Needs root and the built addon; skipped otherwise.
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADDON_RELATIVE_PATH,
  captureUnavailableReason,
  edgewardPackageRoot,
  loadPcapBinding,
  type PcapBinding,
} from '../../gateway/capture/pcap-binding.js';

const binding = loadPcapBinding();
const isRoot = process.getuid?.() === 0;
const skipReason = binding === null ? captureUnavailableReason() : !isRoot ? 'opening an interface needs root (CAP_NET_RAW)' : null;

/** Turns the event loop until `cond` holds or `ms` pass. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

describe('edgewardPackageRoot', () => {
  it('finds the folder whose package.json is named edgeward', () => {
    expect(edgewardPackageRoot()).toBe(join(import.meta.dirname, '..', '..'));
  });
});

describe.skipIf(skipReason !== null)(`capture addon on lo${skipReason !== null ? ` (skipped: ${skipReason})` : ''}`, () => {
  const b = binding as PcapBinding;

  it('lists lo among the interfaces and names its libpcap', () => {
    expect(b.devices()).toContain('lo');
    expect(b.libVersion()).toMatch(/libpcap/);
  });

  it('throws a clean Error for a missing interface, a bad filter and a foreign handle', () => {
    expect(() => b.open('edgeward-no-such-if0', { onReadable: () => {} })).toThrow(expect.objectContaining({ code: 'PCAP_ERROR_NO_SUCH_DEVICE' }));
    expect(() => b.open('lo', { filter: 'udp and and', onReadable: () => {} })).toThrow(/bad filter/);
    expect(() => b.open('lo', { snaplen: 0, onReadable: () => {} })).toThrow(RangeError);
    expect(() => b.open('lo', {} as never)).toThrow(TypeError);
    expect(() => b.read({} as never, Buffer.alloc(64))).toThrow(TypeError);
    expect(() => b.close({} as never)).toThrow(TypeError);
  });

  it('reports the link type of lo as DLT_EN10MB; close twice is a no-op and read then answers -1', () => {
    const o = b.open('lo', { filter: 'udp and port 9', onReadable: () => {} });
    expect(o.dlt).toBe(1);
    expect(o.dltName).toBe('EN10MB');
    expect(o.warnings).toEqual([]);
    b.close(o.handle);
    b.close(o.handle);
    b.arm(o.handle);
    expect(b.read(o.handle, Buffer.alloc(1 << 20))).toBe(-1);
    expect(b.stats(o.handle)).toMatchObject({ captured: 0, ringDropped: 0, error: null });
  });

  it('survives close() from inside onReadable, with records still in the ring', async () => {
    const target = dgram.createSocket('udp4');
    await new Promise<void>((r) => target.bind(0, '127.0.0.1', r));
    const port = target.address().port;
    const sender = dgram.createSocket('udp4');
    let calls = 0;
    let closedInside = false;
    const o = b.open('lo', {
      filter: `udp and dst port ${port}`,
      timeoutMs: 1,
      onReadable: () => {
        calls++;
        b.close(o.handle); // no read first: the ring is not empty
        b.close(o.handle);
        closedInside = true;
      },
    });
    try {
      b.arm(o.handle);
      for (let i = 0; i < 20; i++) sender.send(Buffer.from([i]), port, '127.0.0.1');
      expect(await until(() => closedInside, 5000)).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      expect(calls).toBe(1);
      expect(b.read(o.handle, Buffer.alloc(1 << 20))).toBe(-1);
    } finally {
      b.close(o.handle);
      sender.close();
      target.close();
    }
  });

  it('lets the process exit while a capture is open and frames are flowing (exit code 0, no signal)', () => {
    const addon = join(edgewardPackageRoot()!, ADDON_RELATIVE_PATH);
    const script = `
      const b = require(${JSON.stringify(addon)});
      const dgram = require('node:dgram');
      const buf = Buffer.alloc(1 << 20);
      const s = dgram.createSocket('udp4');
      const o = b.open('lo', { filter: 'udp and dst port 9', timeoutMs: 1, onReadable() { while (b.read(o.handle, buf) > 0); b.arm(o.handle); } });
      b.arm(o.handle);
      const o2 = b.open('lo', { onReadable() {} }); // never drained: its ring fills
      const t = setInterval(() => { for (let i = 0; i < 200; i++) s.send(Buffer.alloc(100), 9, '127.0.0.1'); }, 1);
      setTimeout(() => process.exit(0), 300);
    `;
    for (let i = 0; i < 3; i++) {
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
      expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    }
  });
});
