// The kernel's nftables ruleset as the check reads it: `nft -j list ruleset` (libnftables JSON
// schema, nft(8) and libnftables-json(5)) for the chains, rules and named sets, and the text of
// `nft -a list ruleset` only to quote each rule in the evidence as people write it.

/** A rule: its expressions as libnftables JSON gives them, and how to quote it. */
export interface NftRule {
  handle: number;
  /** The `expr` array of the JSON rule object. */
  expr: readonly unknown[];
  /** The rule as `nft list ruleset` prints it, or `handle N` when the text listing was not read. */
  text: string;
}

/** A chain; base chains have a hook, a type, a priority and a policy. */
export interface NftChain {
  family: string;
  table: string;
  name: string;
  hook?: string;
  type?: string;
  prio?: number;
  policy?: 'accept' | 'drop';
  /** Devices of a netdev ingress chain. */
  devices?: string[];
  rules: NftRule[];
}

/** A named set or map with its elements when the kernel listed them. */
export interface NftSet {
  family: string;
  table: string;
  name: string;
  /** Elements as in the JSON (values, ranges, prefixes, `{elem: {val, …}}`), or undefined when empty. */
  elem?: readonly unknown[];
  /** Set flags (`dynamic`, `timeout`, `interval`, …). */
  flags: string[];
  /** Maps carry verdicts or data. */
  isMap: boolean;
}

/** The ruleset: every table's chains in listing order, and the named sets. */
export interface NftRuleset {
  tables: string[];
  chains: NftChain[];
  /** Keyed by {@link objKey}. */
  sets: Map<string, NftSet>;
}

/** Key of a chain or set: family, table, name. */
export const objKey = (family: string, table: string, name: string): string => `${family} ${table} ${name}`;

/** Standard priority names (nft(8) "CHAIN PRIORITIES"), for a JSON that gives one as text. */
const PRIO_NAMES: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100, out: 100 };

/** Parses a `nft -a list ruleset` text listing into rule texts keyed by `family table chain handle`. */
export function parseRuleText(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let table: string | null = null;
  let chain: string | null = null;
  for (const line of text.split('\n')) {
    const t = /^table (\S+) (\S+) \{/.exec(line);
    if (t) { table = `${t[1]} ${t[2]}`; chain = null; continue; }
    const c = /^\tchain (\S+) \{/.exec(line);
    if (c) { chain = c[1]!.replace(/^"(.*)"$/, '$1'); continue; }
    // Any other block at chain level (set, map, flowtable, named counter…) holds no rules.
    if (/^\t\S/.test(line)) { chain = null; continue; }
    if (table === null || chain === null) continue;
    const r = /^\t\t(.*?) # handle (\d+)$/.exec(line);
    if (r) out.set(`${table} ${chain} ${r[2]}`, r[1]!);
  }
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Builds the ruleset from `nft -j list ruleset` output (and, optionally, the `nft -a list ruleset`
 * text for quoting). Throws a SyntaxError when the JSON is not a libnftables document.
 */
export function parseNftRuleset(json: string, text = ''): NftRuleset {
  const doc: unknown = JSON.parse(json);
  if (!isObj(doc) || !Array.isArray(doc.nftables)) throw new SyntaxError('not a libnftables JSON document (no "nftables" array)');
  const texts = parseRuleText(text);
  const tables: string[] = [];
  const chains = new Map<string, NftChain>();
  const sets = new Map<string, NftSet>();
  for (const item of doc.nftables as unknown[]) {
    if (!isObj(item)) continue;
    if (isObj(item.table)) {
      tables.push(`${String(item.table.family)} ${String(item.table.name)}`);
    } else if (isObj(item.chain)) {
      const c = item.chain;
      const chain: NftChain = { family: String(c.family), table: String(c.table), name: String(c.name), rules: [] };
      if (typeof c.hook === 'string') {
        chain.hook = c.hook;
        chain.type = typeof c.type === 'string' ? c.type : 'filter';
        chain.prio = typeof c.prio === 'number' ? c.prio : (PRIO_NAMES[String(c.prio)] ?? 0);
        chain.policy = c.policy === 'drop' ? 'drop' : 'accept';
        if (typeof c.dev === 'string') chain.devices = [c.dev];
        else if (Array.isArray(c.dev)) chain.devices = c.dev.map(String);
      }
      chains.set(objKey(chain.family, chain.table, chain.name), chain);
    } else if (isObj(item.rule)) {
      const r = item.rule;
      const chain = chains.get(objKey(String(r.family), String(r.table), String(r.chain)));
      if (chain === undefined) continue;
      const handle = typeof r.handle === 'number' ? r.handle : -1;
      chain.rules.push({
        handle,
        expr: Array.isArray(r.expr) ? r.expr : [],
        text: texts.get(`${chain.family} ${chain.table} ${chain.name} ${handle}`) ?? `handle ${handle}`,
      });
    } else if (isObj(item.set) || isObj(item.map)) {
      const s = (item.set ?? item.map) as Record<string, unknown>;
      sets.set(objKey(String(s.family), String(s.table), String(s.name)), {
        family: String(s.family), table: String(s.table), name: String(s.name),
        elem: Array.isArray(s.elem) ? s.elem : undefined,
        flags: Array.isArray(s.flags) ? s.flags.map(String) : typeof s.flags === 'string' ? [s.flags] : [],
        isMap: isObj(item.map),
      });
    }
  }
  return { tables, chains: [...chains.values()], sets };
}

/** The chain's name as people read it: `inet filter input`. */
export const chainName = (c: NftChain): string => `${c.family} ${c.table} ${c.name}`;
