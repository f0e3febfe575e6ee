// JSON-aware mutations for inputs that are JSON documents (MUD files, API bodies, stream
// messages): change a value's type, drop or add members, huge and odd numbers, hostile strings,
// deep nesting, duplicate members, many copies of a list entry; then sometimes raw byte damage.
import type { SeededRandom } from '../synth/seeded-random.js';
import { mutateBytes } from './byte-mutator.js';
import { chance, pick } from './iteration-random.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Where a value sits: its container and key (null container: the root). */
interface Slot {
  parent: Json[] | { [k: string]: Json } | null;
  key: string | number;
  value: Json;
}

/** Most nodes looked at when picking where to mutate (keeps huge documents cheap). */
const MAX_SLOTS = 4096;
/** Most characters one "many copies" mutation adds. */
const MAX_COPY_CHARS = 256 * 1024;

/** Numbers at the edges of what validators and JavaScript handle. */
const ODD_NUMBERS = [0, -1, 1, 255, 256, 65535, 65536, -65536, 4294967295, 4294967296, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, 0.5, -0.5, 1.5, 1e21, 3];

/** Texts parsers often get wrong: empty, separators, escapes, lone surrogates, bidi, case folding, long. */
const ODD_STRINGS = [
  '', ' ', '\u0000', '\ud800', '\udfff', '\ud83d\ude00', '\u202e', 'İı', 'ﬀ', '/', '~', '~1', '%00', '%2F', '\\', '"', '..', '*',
  'http://', 'https://', 'https://[::1]/x', 'https://a..b/', 'https://xn--80ak6aa92e.com/', 'a'.repeat(300), 'urn:ietf:params:mud:dns',
  '0.0.0.0/0', '::/0', '255.255.255.255/33', '1.2.3.4/-1', 'fe80::1%eth0', 'tcp', 'udp', 'accept', 'drop', 'reject', '2026-13-40T25:61:61Z',
  '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', '-1', '1e999', 'NaN', 'true', 'null', '__proto__', 'constructor', 'toString',
];

/** Member names that tempt prototype pollution or collide with Object methods. */
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'ietf-mud:mud', 'x'];

/** Numeric literals JSON.stringify never writes but a hostile sender does. */
const ODD_LITERALS = ['1e999', '-1e999', '-0', '0.0e-400', '123456789012345678901234567890', '1E+2', '0.1e1', '00', '1.', '.5', '+1', '0x10'];

function collect(root: Json, rng: SeededRandom): Slot[] {
  const out: Slot[] = [{ parent: null, key: '', value: root }];
  for (let i = 0; i < out.length && out.length < MAX_SLOTS; i++) {
    const v = out[i]!.value;
    if (Array.isArray(v)) v.forEach((c, k) => out.push({ parent: v, key: k, value: c }));
    else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) out.push({ parent: v, key: k, value: v[k]! });
  }
  // Leaves deep in the tree are the interesting ones more often than not: skip the root half the time.
  return out.length > 1 && chance(rng, 0.5) ? out.slice(1) : out;
}

function oddValue(rng: SeededRandom, like: Json): Json {
  switch (rng.int(0, 9)) {
    case 0: return null;
    case 1: return chance(rng, 0.5);
    case 2: case 3: return pick(rng, ODD_NUMBERS);
    case 4: case 5: return pick(rng, ODD_STRINGS);
    case 6: return [];
    case 7: return {};
    case 8: return [like];
    default: return typeof like === 'string' ? like + pick(rng, ODD_STRINGS) : like !== null && typeof like === 'object' ? '[object]' : String(like);
  }
}

/** Sets an own member, even one named `__proto__` (a plain assignment would replace the prototype). */
function setMember(o: { [k: string]: Json }, k: string, v: Json): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function setSlot(s: Slot, v: Json, root: { v: Json }): void {
  if (s.parent === null) root.v = v;
  else if (Array.isArray(s.parent)) s.parent[s.key as number] = v;
  else setMember(s.parent, s.key as string, v);
}

/** A value of the same JSON type as `like`, at an edge or odd (a gentle mutation that type checks still pass). */
function sameTypeValue(rng: SeededRandom, like: Json): Json {
  if (typeof like === 'number') return chance(rng, 0.5) ? pick(rng, ODD_NUMBERS) : like + rng.int(-2, 2);
  if (typeof like === 'string') {
    if (chance(rng, 0.4)) return pick(rng, ODD_STRINGS);
    const p = rng.int(0, like.length);
    return like.slice(0, p) + pick(rng, ['', '.', ':', '/', '0', 'a', '-', '*', '%', '\u00e9', 'İ']) + like.slice(p + rng.int(0, 2));
  }
  if (typeof like === 'boolean') return !like;
  if (Array.isArray(like)) return chance(rng, 0.5) ? [] : [...like, ...like];
  return like;
}

/** One mutation of the tree in place (the root may be replaced through `root`). */
function mutateTree(root: { v: Json }, rng: SeededRandom, gentle: boolean): void {
  const slots = collect(root.v, rng);
  const s = pick(rng, slots);
  if (gentle) {
    // Same type in the same place, or a member dropped: most such documents still validate.
    if (s.parent !== null && !Array.isArray(s.parent) && chance(rng, 0.15)) delete s.parent[s.key as string];
    else setSlot(s, sameTypeValue(rng, s.value), root);
    return;
  }
  switch (rng.int(0, 8)) {
    case 0: case 1: // another type or an odd value of the same kind
      setSlot(s, oddValue(rng, s.value), root);
      return;
    case 2: // drop the member or element
      if (s.parent === null) return;
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete s.parent[s.key as string];
      return;
    case 3: { // add a member or element
      const containers = slots.filter((x) => x.value !== null && typeof x.value === 'object');
      if (containers.length === 0) return;
      const c = pick(rng, containers).value as Json[] | { [k: string]: Json };
      // A copy: a container added into its own descendant would make the document circular.
      const v = chance(rng, 0.5) ? (JSON.parse(JSON.stringify(pick(rng, slots).value) ?? 'null') as Json) : oddValue(rng, null);
      if (Array.isArray(c)) c.splice(rng.int(0, c.length), 0, v);
      else setMember(c, chance(rng, 0.5) ? pick(rng, ODD_KEYS) : `x-${rng.int(0, 99)}`, v);
      return;
    }
    case 4: { // many copies of a list entry (ACEs, ACLs, records)
      const arrays = slots.filter((x) => Array.isArray(x.value) && x.value.length > 0);
      if (arrays.length === 0) return;
      const a = pick(rng, arrays).value as Json[];
      const item = pick(rng, a);
      const text = JSON.stringify(item) ?? 'null';
      // Stacked copies must not grow without bound: at most ~256 KB of new text per mutation.
      const n = Math.min(pick(rng, [2, 10, 100, 1000]), Math.floor(MAX_COPY_CHARS / Math.max(1, text.length)));
      for (let i = 0; i < n; i++) a.push(JSON.parse(text) as Json);
      return;
    }
    case 5: // a value from elsewhere in the document
      setSlot(s, JSON.parse(JSON.stringify(pick(rng, slots).value)) as Json, root);
      return;
    case 6: { // rename a member
      if (s.parent === null || Array.isArray(s.parent)) return;
      const k = s.key as string;
      const nk = chance(rng, 0.5) ? k.toUpperCase() : chance(rng, 0.5) ? k.replace(/^[^:]*:/, '') : k + pick(rng, ODD_STRINGS);
      delete s.parent[k];
      setMember(s.parent, nk, s.value);
      return;
    }
    case 7: // a long string
      setSlot(s, 'x'.repeat(pick(rng, [256, 4096, 65536])), root);
      return;
    default: // a string edited in place
      if (typeof s.value === 'string' && s.value.length > 0) {
        const p = rng.int(0, s.value.length);
        setSlot(s, s.value.slice(0, p) + pick(rng, ODD_STRINGS) + s.value.slice(p + (chance(rng, 0.5) ? 1 : 0)), root);
      } else setSlot(s, oddValue(rng, s.value), root);
  }
}

/** Text-level damage JSON.stringify cannot produce: deep nesting, duplicate members, odd literals. */
function mutateText(text: string, rng: SeededRandom): string {
  const p = rng.int(0, text.length);
  switch (rng.int(0, 3)) {
    case 0: { // deep nesting around a value position (after ':' or '[')
      const i = text.indexOf(':', p);
      if (i < 0) return text;
      const depth = pick(rng, [63, 64, 65, 100, 1000, 100_000]);
      const [open, close] = chance(rng, 0.5) ? ['[', ']'] : ['{"a":', '}'];
      return text.slice(0, i + 1) + open.repeat(depth) + '1' + close.repeat(depth) + text.slice(text.indexOf(',', i) >= 0 ? text.indexOf(',', i) : text.length);
    }
    case 1: { // a duplicate member right after an object opens
      const i = text.indexOf('{', p);
      if (i < 0) return text;
      const m = /"([^"\\]{1,40})"\s*:/.exec(text.slice(i));
      return m ? text.slice(0, i + 1) + `"${m[1]}":null,` + text.slice(i + 1) : text;
    }
    case 2: { // an odd numeric literal in place of a number
      const re = /-?\d+(\.\d+)?([eE][+-]?\d+)?/g;
      re.lastIndex = p;
      const m = re.exec(text);
      return m ? text.slice(0, m.index) + pick(rng, ODD_LITERALS) + text.slice(m.index + m[0].length) : text;
    }
    default: // a byte-order mark or whitespace JSON does not allow
      return pick(rng, ['\ufeff', '\u00a0', '\u2028', '\t', '']) + text;
  }
}

/** Options of {@link mutateJson}. */
export interface JsonMutateOptions {
  /** Tokens for the raw byte mutations. */
  dict?: readonly Buffer[];
  /** Longest output, bytes. */
  maxLen?: number;
  /** One same-type change and nothing else, so that the document mostly still validates. */
  gentle?: boolean;
}

/** A mutated copy of a JSON document (`seed`, valid JSON). Returns UTF-8 bytes. */
export function mutateJson(seed: string, rng: SeededRandom, others: readonly Buffer[] = [], opts: JsonMutateOptions = {}): Buffer {
  const maxLen = opts.maxLen ?? 1 << 20;
  const root = { v: JSON.parse(seed) as Json };
  if (opts.gentle) {
    mutateTree(root, rng, true);
    return Buffer.from(JSON.stringify(root.v) ?? 'null', 'utf8');
  }
  const n = chance(rng, 0.2) ? rng.int(4, 10) : rng.int(1, 3);
  for (let i = 0; i < n; i++) mutateTree(root, rng, false);
  let text = JSON.stringify(root.v, null, chance(rng, 0.5) ? 2 : undefined) ?? 'null';
  if (chance(rng, 0.25)) text = mutateText(text, rng);
  let out: Buffer = Buffer.from(text, 'utf8');
  if (chance(rng, 0.15)) out = mutateBytes(out, rng, others, { dict: opts.dict, maxLen });
  return out.length > maxLen ? out.subarray(0, maxLen) : out;
}
