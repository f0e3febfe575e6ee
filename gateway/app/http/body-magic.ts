// One file-type check for a body seen in any protocol (after Zeek's files framework): ELF with its
// CPU, PE, Mach-O, shell droppers and PowerShell download cradles, from the body's first bytes.
import type { BodyMagic } from '../app-record.js';

// ---------------------------------------------------------------- ELF

/** ELF magic: 0x7f 'E' 'L' 'F' (System V ABI, ELF header e_ident[EI_MAG0..3]). */
const ELF_MAGIC = 0x7f454c46;
/** Bytes of the ELF header needed for the CPU: e_ident (16), e_type (2), e_machine (2). */
export const ELF_ARCH_BYTES = 20;
/** e_ident[EI_DATA]: 1 little-endian, 2 big-endian. */
const EI_DATA = 5;
const E_MACHINE = 18;

/** e_machine values of the CPUs IoT bots are built for (System V ABI, ELF "Machine" table). */
const ELF_MACHINES: ReadonlyMap<number, string> = new Map([
  [0x02, 'sparc'], [0x03, 'x86'], [0x04, 'm68k'], [0x08, 'mips'], [0x12, 'sparc32plus'], [0x14, 'ppc'], [0x15, 'ppc64'],
  [0x16, 's390'], [0x28, 'arm'], [0x2a, 'sh'], [0x2b, 'sparcv9'], [0x32, 'ia64'], [0x3e, 'x86-64'], [0x5d, 'arc'],
  [0xb7, 'aarch64'], [0xf3, 'riscv'],
]);

/**
 * CPU named by the e_machine field of an ELF header held in `b[off, off + 20)`, in the byte order
 * e_ident[EI_DATA] says; "unknown(<n>)" for a machine not in the table, "unknown" when fewer than
 * 20 bytes are there.
 */
export function elfArch(b: Buffer, off = 0): string {
  if (off < 0 || b.length - off < ELF_ARCH_BYTES) return 'unknown';
  const p = off + E_MACHINE;
  const m = b[off + EI_DATA] === 2 ? (b[p]! << 8) | b[p + 1]! : b[p]! | (b[p + 1]! << 8);
  return ELF_MACHINES.get(m) ?? `unknown(${m})`;
}

// ---------------------------------------------------------------- PE, Mach-O

/** "MZ", the DOS stub every PE image starts with (Microsoft PE/COFF specification §2). */
const MZ = 0x4d5a;
/** The DOS header is 64 bytes; e_lfanew, at 0x3c, is the file offset of the "PE\0\0" signature. */
const DOS_HEADER_LEN = 0x40;
const E_LFANEW = 0x3c;
const PE_SIGNATURE = 0x50450000;

/** Mach-O magics as read big-endian: MH_MAGIC, MH_MAGIC_64 and their byte-swapped forms (<mach-o/loader.h>). */
const MACHO_MAGICS: ReadonlySet<number> = new Set([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe]);
/** FAT_MAGIC (<mach-o/fat.h>), shared with Java class files. */
const FAT_MAGIC = 0xcafebabe;
/** A fat header's nfat_arch is small; a class file has its major version (45+) there. file(1) draws the line at 20. */
const MAX_FAT_ARCHS = 20;

// ---------------------------------------------------------------- scripts

/** Interpreters of a "#!" line that make a shell dropper. */
const SHELLS: ReadonlySet<string> = new Set(['sh', 'bash', 'ash', 'dash', 'busybox']);
/**
 * First lines of infection scripts (Mirai, Gafgyt and Mozi droppers as published by Netlab 360 and
 * Unit 42): move to a writable folder, fetch, make executable. Matched at the start of the first
 * non-blank line, ASCII case-insensitively.
 */
const DROPPER_STARTS: readonly string[] = [
  'cd /tmp', 'cd /var/', 'cd /dev/shm', 'wget ', 'curl ', 'tftp ', 'busybox ', '/bin/busybox ', 'chmod +x', 'chmod 777',
];
/**
 * PowerShell download cradles (MITRE ATT&CK T1059.001): an encoded command line, Invoke-Expression
 * and its IEX alias, a WebClient and its DownloadString. Searched anywhere in the head.
 */
const POWERSHELL = /powershell(?:\.exe)?\b.{0,40}?\s-e(?:nc|ncodedcommand)?\s|\biex\s*[(\s]|invoke-expression|new-object\s+(?:system\.)?net\.webclient|\.downloadstring\s*\(/i;

/**
 * What the first bytes `b[off, end)` of a body are: ELF, PE (MZ, and "PE\0\0" at e_lfanew when it
 * lies inside the bytes given), Mach-O (thin or fat), a shell dropper, a PowerShell cradle, or null.
 * Reads nothing outside `[off, end)`; cheap enough to run once per body.
 */
export function bodyMagic(b: Buffer, off: number, end: number): BodyMagic {
  if (end > b.length) end = b.length;
  if (off < 0) return null;
  const n = end - off;
  if (n < 2) return null;
  if (n >= 4) {
    const m = u32(b, off);
    if (m === ELF_MAGIC) return 'elf';
    if (MACHO_MAGICS.has(m)) return 'macho';
    if (m === FAT_MAGIC && n >= 8) {
      const archs = u32(b, off + 4);
      if (archs > 0 && archs < MAX_FAT_ARCHS) return 'macho';
    }
  }
  if (((b[off]! << 8) | b[off + 1]!) === MZ && n >= DOS_HEADER_LEN) {
    const q = off + E_LFANEW;
    const lfanew = (b[q]! | (b[q + 1]! << 8) | (b[q + 2]! << 16)) + b[q + 3]! * 0x1000000; // little-endian, unsigned
    // The signature can be checked only when the head holds it; otherwise the DOS header alone counts.
    if (lfanew > n - 4 || u32(b, off + lfanew) === PE_SIGNATURE) return 'pe';
  }
  return scriptMagic(b, off, end);
}

/** 'shell', 'powershell' or null for a text head. */
function scriptMagic(b: Buffer, off: number, end: number): BodyMagic {
  // Text only: a NUL or most control bytes mean binary data.
  for (let i = off; i < end; i++) {
    const c = b[i]!;
    if (c < 0x09 || (c > 0x0d && c < 0x20)) return null;
  }
  const text = b.toString('latin1', off, end);
  let s = 0;
  while (s < text.length && (text.charCodeAt(s) <= 0x20)) s++;
  if (text.startsWith('#!', s)) {
    if (shebangIsShell(text, s + 2)) return 'shell';
  } else {
    const line = text.slice(s, s + 16).toLowerCase();
    for (const d of DROPPER_STARTS) if (line.startsWith(d)) return 'shell';
  }
  return POWERSHELL.test(text) ? 'powershell' : null;
}

/** Whether the "#!" line at `p` names a shell: "/bin/sh", "/bin/busybox sh", "/usr/bin/env bash". */
function shebangIsShell(text: string, p: number): boolean {
  let e = text.indexOf('\n', p);
  if (e < 0) e = text.length;
  const words = text.slice(p, e).trim().split(/[ \t]+/);
  let prog = words[0] ?? '';
  prog = prog.slice(prog.lastIndexOf('/') + 1);
  if (prog === 'env' && words.length > 1) prog = words[1]!;
  return SHELLS.has(prog);
}

function u32(b: Buffer, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}
