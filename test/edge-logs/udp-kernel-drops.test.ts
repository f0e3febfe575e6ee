// Reading a UDP socket's kernel drop counter from /proc/net/udp*: found by inode, and by port when
// the inode is unknown; both give the same count for a socket that really overflowed.
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { readUdpKernelDrops, udpSocketInode } from '../../gateway/edge-logs/udp-kernel-drops.js';

describe.skipIf(process.platform !== 'linux')('readUdpKernelDrops', () => {
  it('counts the datagrams a full receive buffer refused, by inode and by port', async () => {
    const rx = createSocket({ type: 'udp4', recvBufferSize: 4096 });
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
    rx.on('message', () => undefined);
    const { port, address } = rx.address();
    const inode = udpSocketInode(rx);
    expect(inode).toBeGreaterThan(0);
    expect(readUdpKernelDrops({ inode, family: 4, port, address })).toBe(0);
    // Nothing reads while this loop runs (one thread), so the tiny buffer overflows.
    const tx = createSocket('udp4');
    await new Promise<void>((r) => tx.connect(port, '127.0.0.1', () => r()));
    const sent = 2000;
    let done = 0;
    await new Promise<void>((resolve) => { for (let i = 0; i < sent; i++) tx.send(`x${i}`, () => { if (++done === sent) resolve(); }); });
    const byInode = readUdpKernelDrops({ inode, family: 4, port, address })!;
    const byPort = readUdpKernelDrops({ inode: null, family: 4, port, address })!;
    expect(byInode).toBeGreaterThan(0);
    expect(byInode).toBeLessThanOrEqual(sent);
    expect(byPort).toBe(byInode);
    tx.close();
    rx.close();
  });

  it('is null for a socket that is not there', () => {
    expect(readUdpKernelDrops({ inode: 1, family: 4, port: 1, address: '127.0.0.1' })).toBeNull();
  });
});
