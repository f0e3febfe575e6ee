// Stratum (mining pool JSON-RPC) message reader: the method a miner or its pool sends and the agent
// the miner names. Not a JSON parser: a bounded scan for the "method" member, never throws.

/**
 * Who sends a mining method: the miner (`client`) or the pool (`server`). A record's sender and
 * this role together say which end of a connection mines, whoever opened it (a capture that
 * starts mid-connection may show the pool's pushes first, and make the pool the initiator).
 */
export type MiningRole = 'client' | 'server';

/**
 * JSON-RPC methods of the mining dialects, with who sends them:
 * - Stratum v1 (Slush Pool's "Stratum mining protocol", BIP 310 extensions; Zcash's
 *   ZIP 301 / EquihashStratum reuses it): the miner's mining.subscribe, mining.authorize,
 *   mining.submit, mining.extranonce.subscribe, mining.configure, mining.suggest_difficulty;
 *   the pool's mining.notify, mining.set_difficulty, mining.set_target (Zcash), mining.set_extranonce.
 * - Ethereum pools (eth-proxy, Claymore, NiceHash's EthereumStratum/1.0.0 reuses mining.*):
 *   eth_submitLogin, eth_login, eth_getWork, eth_submitWork, eth_submitHashrate.
 * - The CryptoNote pool protocol (Monero: XMRig, xmr-stak, the nanopool "xmr/1.0" agent):
 *   the miner's login, submit, keepalived; the pool's job. "login", "submit" and "job" are common
 *   words, so each needs its dialect's members too (see miningHello).
 */
const METHOD_ROLES: ReadonlyMap<string, MiningRole> = new Map<string, MiningRole>([
  ['mining.subscribe', 'client'], ['mining.authorize', 'client'], ['mining.submit', 'client'],
  ['mining.extranonce.subscribe', 'client'], ['mining.configure', 'client'], ['mining.suggest_difficulty', 'client'],
  ['mining.notify', 'server'], ['mining.set_difficulty', 'server'], ['mining.set_target', 'server'], ['mining.set_extranonce', 'server'],
  ['eth_submitLogin', 'client'], ['eth_login', 'client'], ['eth_getWork', 'client'], ['eth_submitWork', 'client'], ['eth_submitHashrate', 'client'],
  ['login', 'client'], ['submit', 'client'], ['keepalived', 'client'], ['job', 'server'],
]);

/** Who sends `method` (a method miningHello returned), or null for any other. */
export function miningRole(method: string): MiningRole | null {
  return METHOD_ROLES.get(method) ?? null;
}

/** Longest method name read, and longest agent kept in the evidence. */
const MAX_METHOD = 48;
const MAX_AGENT = 64;
/**
 * Shortest CryptoNote login that is a wallet address: Monero's are 95 base58 characters (106 when
 * integrated), Aeon's and other CryptoNote coins' as long; 40 is well below any of them and well
 * above a user name.
 */
const MIN_WALLET = 40;

const QUOTE = 0x22;
const METHOD_KEY = Buffer.from('"method"');
const AGENT_KEY = Buffer.from('"agent"');
const PARAMS_KEY = Buffer.from('"params"');
const LOGIN_KEY = Buffer.from('"login"');
const JOB_ID_KEY = Buffer.from('"job_id"');
const NONCE_KEY = Buffer.from('"nonce"');
const BLOB_KEY = Buffer.from('"blob"');
const WALLET = /^[0-9A-Za-z]+(?:[.+][\w.+-]*)?$/;

/** What a mining message says: the method and the miner's name, if given. */
export interface MiningHello {
  method: string;
  agent: string | null;
}

/**
 * Reads a JSON-RPC message in `b[off, end)` (bounded by the caller) and returns its method when it
 * is a mining one, else null. Not a JSON parser: finds `"method"`, its string value, and for the
 * agent either the `"agent"` member or the first string of `"params"` (mining.subscribe's user
 * agent). The CryptoNote words need their dialect's members: a login needs an agent or a wallet
 * address as its login; a submit needs "job_id" and "nonce"; a job needs "job_id" and "blob".
 * Never throws.
 */
export function miningHello(b: Buffer, off: number, end: number): MiningHello | null {
  if (end > b.length) end = b.length;
  let p = off;
  while (p < end && (b[p] === 0x20 || b[p] === 0x0a || b[p] === 0x0d || b[p] === 0x09)) p++;
  if (p >= end || b[p] !== 0x7b) return null; // a JSON object starts with "{"
  const view = b.subarray(p, end);
  const m = stringAfterKey(view, METHOD_KEY, MAX_METHOD);
  if (m === null || !METHOD_ROLES.has(m)) return null;
  let agent = stringAfterKey(view, AGENT_KEY, MAX_AGENT * 4);
  switch (m) {
    case 'login':
      if (agent === null) {
        const login = stringAfterKey(view, LOGIN_KEY, 256);
        if (login === null || login.length < MIN_WALLET || !WALLET.test(login)) return null;
      }
      break;
    case 'submit':
      if (view.indexOf(JOB_ID_KEY) < 0 || view.indexOf(NONCE_KEY) < 0) return null;
      break;
    case 'job':
      if (view.indexOf(JOB_ID_KEY) < 0 || view.indexOf(BLOB_KEY) < 0) return null;
      break;
    case 'mining.subscribe':
      if (agent === null) agent = firstParamString(view, MAX_AGENT * 4);
      break;
    default:
      break;
  }
  return { method: m, agent: agent === null ? null : clean(agent) };
}

/**
 * The string value of the first `"key": "…"` member in `v`, up to `max` bytes, or null. The same
 * text as a value is skipped (`"method": "login", "params": {"login": …}`).
 */
function stringAfterKey(v: Buffer, key: Buffer, max: number): string | null {
  for (let k = v.indexOf(key); k >= 0; k = v.indexOf(key, k + key.length)) {
    const p = skipWs(v, k + key.length);
    if (v[p] === 0x3a) return readString(v, skipWs(v, p + 1), max); // ":"
  }
  return null;
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
