// Stratum (mining pool JSON-RPC) request reader: the method a miner sends and the agent it names.
// Not a JSON parser: a bounded scan for the "method" member, never throws.

/**
 * JSON-RPC methods a miner sends first. Stratum v1 (Slush Pool's "Stratum mining protocol",
 * extended by BIP 310): mining.subscribe, mining.authorize, mining.submit,
 * mining.extranonce.subscribe; Ethereum pools (eth-proxy's "eth_submitLogin", NiceHash's
 * EthereumStratum/1.0.0 which reuses mining.subscribe); the CryptoNote pool protocol XMRig speaks
 * ("login" whose params carry an "agent" naming the miner; "login" alone is too common a word).
 */
const MINING_METHODS: ReadonlySet<string> = new Set([
  'mining.subscribe', 'mining.authorize', 'mining.submit', 'mining.extranonce.subscribe', 'eth_submitLogin', 'eth_login',
]);

/** Longest method name read, and longest agent kept in the evidence. */
const MAX_METHOD = 48;
const MAX_AGENT = 64;

const QUOTE = 0x22;
const METHOD_KEY = Buffer.from('"method"');
const AGENT_KEY = Buffer.from('"agent"');
const PARAMS_KEY = Buffer.from('"params"');

/** What a Stratum-like first message says: the method and the miner's name, if given. */
export interface MiningHello {
  method: string;
  agent: string | null;
}

/**
 * Reads a JSON-RPC request in `b[off, end)` (bounded by the caller) and returns its method when
 * it is a mining one, else null. Not a JSON parser: finds `"method"`, its string value, and for
 * the agent either the `"agent"` member or the first string of `"params"` (mining.subscribe's
 * user agent). Never throws.
 */
export function miningHello(b: Buffer, off: number, end: number): MiningHello | null {
  let p = off;
  while (p < end && (b[p] === 0x20 || b[p] === 0x0a || b[p] === 0x0d || b[p] === 0x09)) p++;
  if (p >= end || b[p] !== 0x7b) return null; // a JSON object starts with "{"
  const view = b.subarray(p, end);
  const m = stringAfterKey(view, METHOD_KEY, MAX_METHOD);
  if (m === null) return null;
  let agent = stringAfterKey(view, AGENT_KEY, MAX_AGENT * 4);
  if (m === 'login') {
    if (agent === null) return null;
  } else if (!MINING_METHODS.has(m)) {
    return null;
  } else if (agent === null && m === 'mining.subscribe') {
    agent = firstParamString(view, MAX_AGENT * 4);
  }
  return { method: m, agent: agent === null ? null : clean(agent) };
}

/** The string value of `"key": "…"` in `v`, up to `max` bytes, or null. */
function stringAfterKey(v: Buffer, key: Buffer, max: number): string | null {
  const k = v.indexOf(key);
  if (k < 0) return null;
  let p = skipWs(v, k + key.length);
  if (v[p] !== 0x3a) return null; // ":"
  p = skipWs(v, p + 1);
  return readString(v, p, max);
}

/** The first element of `"params": [ "…", … ]` when it is a string. */
function firstParamString(v: Buffer, max: number): string | null {
  const k = v.indexOf(PARAMS_KEY);
  if (k < 0) return null;
  let p = skipWs(v, k + PARAMS_KEY.length);
  if (v[p] !== 0x3a) return null;
  p = skipWs(v, p + 1);
  if (v[p] !== 0x5b) return null; // "["
  return readString(v, skipWs(v, p + 1), max);
}

function skipWs(v: Buffer, p: number): number {
  while (p < v.length && (v[p] === 0x20 || v[p] === 0x09 || v[p] === 0x0a || v[p] === 0x0d)) p++;
  return p;
}

/** A JSON string starting at the quote at `p` (escapes kept as written), or null if unterminated within `max`. */
function readString(v: Buffer, p: number, max: number): string | null {
  if (v[p] !== QUOTE) return null;
  const s = p + 1;
  let e = s;
  while (e < v.length && v[e] !== QUOTE && e - s < max) e += v[e] === 0x5c ? 2 : 1;
  if (e >= v.length || v[e] !== QUOTE) return null;
  return v.toString('latin1', s, e);
}

/** Printable ASCII only, truncated for the evidence (the agent is attacker-chosen text). */
function clean(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_AGENT);
}
