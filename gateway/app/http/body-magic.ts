// One file-type check for a body seen in any protocol (after Zeek's files framework): ELF with its
// CPU, PE (EXE or DLL), Mach-O, Java class files, shell droppers, PowerShell download cradles and
// Python programs, from the body's first bytes.
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

/**
 * COFF file header after "PE\0\0" (PE/COFF specification §3.3): Machine, NumberOfSections,
 * TimeDateStamp, PointerToSymbolTable, NumberOfSymbols, SizeOfOptionalHeader, then Characteristics
 * at +18 from the COFF header, +22 from the signature.
 */
const PE_CHARACTERISTICS = 22;
/** Bytes from the "PE\0\0" signature through Characteristics. */
export const PE_HEADER_BYTES = PE_CHARACTERISTICS + 2;
/** IMAGE_FILE_DLL (PE/COFF specification §3.3.2): the image is a dynamic-link library. */
const IMAGE_FILE_DLL = 0x2000;
/**
 * Farthest e_lfanew followed to read the COFF header of a body. Linkers put it at 0x80 (MinGW) to
 * about 0x120 (MSVC, after the Rich header); 1 KiB leaves room and bounds what a reader waits for.
 */
export const MAX_PE_LFANEW = 1024;

/** Mach-O magics as read big-endian: MH_MAGIC, MH_MAGIC_64 and their byte-swapped forms (<mach-o/loader.h>). */
const MACHO_MAGICS: ReadonlySet<number> = new Set([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe]);
/** FAT_MAGIC (<mach-o/fat.h>), shared with Java class files. */
const FAT_MAGIC = 0xcafebabe;
/** A fat header's nfat_arch is small; a class file has its major version (45+) there. file(1) draws the line at 20. */
const MAX_FAT_ARCHS = 20;
/**
 * Class-file major versions (JVM specification §4.1): 45 (JDK 1.0.2) to 70 (Java 26), with room
 * for a few releases to come. A fat Mach-O's nfat_arch (under 20) can never fall in this range.
 */
const JAVA_MAJOR_MIN = 45;
const JAVA_MAJOR_MAX = 72;

// ---------------------------------------------------------------- scripts

/** Interpreters of a "#!" line that make a shell dropper. */
const SHELLS: ReadonlySet<string> = new Set(['sh', 'bash', 'ash', 'dash', 'busybox']);
/**
 * First lines of infection scripts (Mirai, Gafgyt and Mozi droppers as published by Netlab 360 and
 * Unit 42): move to a writable folder, fetch, make executable. Matched at the start of the first
 * non-blank line, ASCII case-insensitively.
 */
const DROPPER_STARTS: readonly string[] = [
  'cd /tmp', 'cd /var/', 'cd /dev/shm', 'cd /mnt', 'wget ', 'curl ', 'tftp ', 'ftpget ', 'busybox ', '/bin/busybox ', 'chmod +x', 'chmod 777',
];
/** Interpreters of a "#!" line that make a Python program ("python", "python3", "python3.8"). */
const PYTHON_SHEBANG = /^python[\d.]*$/;
/**
 * A Python program's first statement: `import os, subprocess` or `from x import y`. Strict enough to
 * leave out JavaScript modules (`import x from "y";`), Java (`import a.b;`) and Go (`import "fmt"`).
 */
const PYTHON_START = /^(?:import [A-Za-z_][\w.]*(?: as \w+)?(?:\s*,\s*[A-Za-z_][\w.]*(?: as \w+)?)*[ \t]*(?:#[^\n]*)?(?:\r?\n|$)|from \.*[A-Za-z_][\w.]* import [\w*(])/;
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
      // Shared magic: a class file has minor_version, major_version (u16 each) where a fat header has nfat_arch.
      const major = (b[off + 6]! << 8) | b[off + 7]!;
      if (major >= JAVA_MAJOR_MIN && major <= JAVA_MAJOR_MAX) return 'java';
      const archs = u32(b, off + 4);
      if (archs > 0 && archs < MAX_FAT_ARCHS) return 'macho';
    }
  }
  const lfanew = peHeaderOffset(b, off, end);
  if (lfanew >= 0) {
    // The signature can be checked only when the head holds it; otherwise the DOS header alone counts.
    if (lfanew > n - 4) return 'pe';
    return peKind(b, off + lfanew, end) ?? scriptMagic(b, off, end);
  }
  return scriptMagic(b, off, end);
}

/**
 * e_lfanew of a DOS header "MZ…" held whole in `b[off, end)` (offset of "PE\0\0" from `off`), or -1
 * when the bytes are not one.
 */
export function peHeaderOffset(b: Buffer, off: number, end: number): number {
  if (end > b.length) end = b.length;
  if (off < 0 || end - off < DOS_HEADER_LEN || ((b[off]! << 8) | b[off + 1]!) !== MZ) return -1;
  const q = off + E_LFANEW;
  return (b[q]! | (b[q + 1]! << 8) | (b[q + 2]! << 16)) + b[q + 3]! * 0x1000000; // little-endian, unsigned
}

/**
 * What the bytes at a PE signature `b[p, end)` say: 'pe-dll' when Characteristics has
 * IMAGE_FILE_DLL, 'pe' when it does not or is not in the bytes given, null when "PE\0\0" is not there.
 */
export function peKind(b: Buffer, p: number, end: number): 'pe' | 'pe-dll' | null {
  if (end > b.length) end = b.length;
  if (p < 0 || end - p < 4 || u32(b, p) !== PE_SIGNATURE) return null;
  if (end - p < PE_HEADER_BYTES) return 'pe';
  const c = b[p + PE_CHARACTERISTICS]! | (b[p + PE_CHARACTERISTICS + 1]! << 8);
  return (c & IMAGE_FILE_DLL) !== 0 ? 'pe-dll' : 'pe';
}

/** Words for each magic in a message to a person (malware.download alerts, however they are worded). */
export const BODY_MAGIC_WORDS: Readonly<Record<Exclude<BodyMagic, null>, string>> = {
  elf: 'an ELF executable', pe: 'a Windows executable (PE)', 'pe-dll': 'a Windows DLL', macho: 'a Mach-O executable', java: 'a Java class',
  shell: 'a shell dropper script', powershell: 'a PowerShell download cradle', python: 'a Python program',
};

/** Whether a magic names a program a machine runs as it is (not a script): ELF, PE, Mach-O, Java class. */
export function isBinaryExecutable(m: BodyMagic): boolean {
  return m === 'elf' || m === 'pe' || m === 'pe-dll' || m === 'macho' || m === 'java';
}

/** 'shell', 'python', 'powershell' or null for a text head. */
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
    const prog = shebangProgram(text, s + 2);
    if (SHELLS.has(prog)) return 'shell';
    if (PYTHON_SHEBANG.test(prog)) return 'python';
  } else {
    const line = text.slice(s, s + 16).toLowerCase();
    for (const d of DROPPER_STARTS) if (line.startsWith(d)) return 'shell';
    if (PYTHON_START.test(text.slice(s))) return 'python';
  }
  return POWERSHELL.test(text) ? 'powershell' : null;
}

/** The program a "#!" line at `p` runs: "sh" for "/bin/sh", "bash" for "/usr/bin/env bash", "busybox" for "/bin/busybox sh". */
function shebangProgram(text: string, p: number): string {
  let e = text.indexOf('\n', p);
  if (e < 0) e = text.length;
  const words = text.slice(p, e).trim().split(/[ \t]+/);
  let prog = words[0] ?? '';
  prog = prog.slice(prog.lastIndexOf('/') + 1);
  if (prog === 'env' && words.length > 1) prog = words[1]!;
  return prog;
}

function u32(b: Buffer, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}
