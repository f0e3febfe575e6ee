// Walks a probe packet through the base chains of the nftables hooks it meets (netdev ingress,
// prerouting, input; or postrouting for NAT) in priority order, following jumps, gotos and verdict
// maps, the way the kernel does (nft(8) "VERDICT STATEMENT"). Where a match depends on what the
// probe leaves unknown, both ways are followed, so the answer is every outcome the packet can have,
// each with the rule that decided it and what had to hold on the way.
import { chainName, objKey, type NftChain, type NftRule, type NftRuleset } from './nft-ruleset.js';
import { isSourceMatch, keyHolds, matchExpr, vmapPairs, type MatchScope, type ProbePacket, type Tri } from './nft-match.js';

/** How a walk ended: accepted by every hook, dropped (or rejected), NATed, or not understood. */
export type Outcome = 'accept' | 'drop' | 'nat' | 'unknown';

/** One way the packet can go. */
export interface HookPath {
  outcome: Outcome;
  /** The rule or chain policy that decided, quoted: `inet filter input: iifname "wan" drop`. */
  by: string;
  /** What had to hold for this way (rules that match or not depending on what the probe leaves unknown). */
  assumed: string[];
  /**
   * True when one of those depends on more than what the remote host chooses (source address and
   * port, sending rate): an iptables match, a mark, a run-time set; no host can be sure to take it.
   */
  opaque: boolean;
}

/** A hook and the chain types met there. */
export interface Stage {
  hook: 'ingress' | 'prerouting' | 'input' | 'forward' | 'postrouting';
  types: readonly string[];
}

/** The stages an unsolicited packet to the box crosses before a local socket sees it. */
export const INPUT_STAGES: readonly Stage[] = [
  { hook: 'ingress', types: ['filter'] },
  { hook: 'prerouting', types: ['filter'] },
  { hook: 'input', types: ['filter'] },
];
/** The stage where source NAT of a forwarded packet is decided. */
export const SNAT_STAGES: readonly Stage[] = [{ hook: 'postrouting', types: ['nat'] }];

/** Ways followed before the walk gives up (each unknown match doubles them). */
const MAX_PATHS = 4096;
/** Nested jumps followed (the kernel allows 16 levels of jump stack). */
const MAX_DEPTH = 16;

/** What a way assumed so far. */
interface Cond {
  assumed: string[];
  opaque: boolean;
}

/** End of a walk through one chain; `continue` means it fell off the end or returned. */
interface ChainPath extends Cond {
  end: Outcome | 'continue';
  by: string;
}

const assume = (c: Cond, text: string, opaque: boolean): Cond => ({ assumed: [...c.assumed, text], opaque: c.opaque || opaque });

class TooComplex extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Statements that neither match nor decide. */
const PASSIVE = new Set(['counter', 'log', 'mangle', 'notrack', 'set', 'flow', 'dup', 'ct helper', 'ct timeout', 'ct expectation', 'last', 'secmark', 'comment']);
/**
 * Statements that match some packets and not others by rate, volume or connection count: the
 * sender decides which (it can stay under a limit), so they count like a source match, not as opaque.
 */
const RATE_LIKE = new Set(['limit', 'quota', 'meter', 'ct count']);

class Walker {
  private paths = 0;
  constructor(private readonly rs: NftRuleset, private readonly p: ProbePacket) {}

  private scope(c: NftChain): MatchScope {
    return { family: c.family, table: c.table, sets: this.rs.sets };
  }

  private count(n: number): void {
    this.paths += n;
    if (this.paths > MAX_PATHS) throw new TooComplex();
  }

  /** Every way through `c` from rule `from` on. */
  chain(c: NftChain, from: number, k: Cond, depth: number): ChainPath[] {
    if (depth > MAX_DEPTH) return [{ end: 'unknown', by: `${chainName(c)}: jumps nested deeper than ${MAX_DEPTH}`, assumed: k.assumed, opaque: k.opaque }];
    for (let i = from; i < c.rules.length; i++) {
      const rule = c.rules[i]!;
      const { cond, opaque, verdict } = this.ruleParts(rule, c);
      if (cond === 'no' || verdict === undefined) continue;
      const quote = `${chainName(c)}: ${rule.text}`;
      if (cond === 'yes') return this.apply(verdict, c, i, quote, k, depth);
      this.count(1);
      return [
        ...this.apply(verdict, c, i, quote, assume(k, `${quote} (matches)`, opaque), depth),
        ...this.chain(c, i + 1, assume(k, `${quote} (does not match)`, opaque), depth),
      ];
    }
    return [{ end: 'continue', by: `end of ${chainName(c)}`, assumed: k.assumed, opaque: k.opaque }];
  }

  /**
   * Whether the rule's matches hold, whether an unknown one reads more than the source address and
   * port (`opaque`), and the rule's verdict (undefined: none, the walk goes on).
   */
  private ruleParts(rule: NftRule, c: NftChain): { cond: Tri; opaque: boolean; verdict: Record<string, unknown> | undefined } {
    let cond: Tri = 'yes';
    let opaque = false;
    for (const e of rule.expr) {
      if (!isObj(e)) continue;
      const key = Object.keys(e)[0] ?? '';
      if (key === 'match') {
        const m = e.match as Record<string, unknown>;
        const t = matchExpr(m, this.p, this.scope(c));
        if (t === 'no') return { cond: 'no', opaque, verdict: undefined };
        if (t === 'maybe') { cond = 'maybe'; opaque ||= !isSourceMatch(m); }
      } else if (PASSIVE.has(key)) {
        // counters, logs, marks: no effect on where the packet goes
      } else if (RATE_LIKE.has(key)) {
        cond = 'maybe';
      } else if (key === 'xt') {
        // iptables-nft extensions nft cannot show natively: a match or a target we cannot read.
        if (isObj(e.xt) && e.xt.type === 'target') return { cond, opaque, verdict: { unknown: `an iptables target (${String(e.xt.name)})` } };
        cond = 'maybe';
        opaque = true;
      } else {
        return { cond, opaque, verdict: e };
      }
    }
    return { cond, opaque, verdict: undefined };
  }

  /** Applies a verdict statement of rule `i` of `c` (matched). */
  private apply(v: Record<string, unknown>, c: NftChain, i: number, quote: string, k: Cond, depth: number): ChainPath[] {
    const key = Object.keys(v)[0] ?? '';
    switch (key) {
      case 'accept': return [{ end: 'accept', by: quote, assumed: k.assumed, opaque: k.opaque }];
      case 'drop': case 'reject': return [{ end: 'drop', by: quote, assumed: k.assumed, opaque: k.opaque }];
      case 'return': return [{ end: 'continue', by: quote, assumed: k.assumed, opaque: k.opaque }];
      case 'continue': return this.chain(c, i + 1, k, depth);
      case 'masquerade': case 'snat': return [{ end: 'nat', by: quote, assumed: k.assumed, opaque: k.opaque }];
      case 'jump': case 'goto': {
        const jump = v[key];
        const target = isObj(jump) ? String(jump.target) : '';
        const t = this.rs.chains.find((x) => objKey(x.family, x.table, x.name) === objKey(c.family, c.table, target));
        if (t === undefined) return [{ end: 'unknown', by: `${quote}: no chain ${target}`, assumed: k.assumed, opaque: k.opaque }];
        const sub = this.chain(t, 0, k, depth + 1);
        if (key === 'goto') return sub;
        this.count(sub.length);
        return sub.flatMap((x) => (x.end === 'continue' ? this.chain(c, i + 1, { assumed: x.assumed, opaque: x.opaque }, depth) : [x]));
      }
      case 'vmap': return this.vmap(v.vmap, c, i, quote, k, depth);
      case 'unknown': return [{ end: 'unknown', by: `${quote}: ${String(v.unknown)}`, assumed: k.assumed, opaque: k.opaque }];
      default:
        // queue, dnat, redirect, tproxy, synproxy, fwd, or a statement this walk does not know.
        return [{ end: 'unknown', by: `${quote}: statement ${key} not evaluated`, assumed: k.assumed, opaque: k.opaque }];
    }
  }

  /** `key vmap { k: verdict, … }`: the verdict of the element the packet's key equals. */
  private vmap(m: unknown, c: NftChain, i: number, quote: string, k: Cond, depth: number): ChainPath[] {
    const scope = this.scope(c);
    const pairs = isObj(m) ? vmapPairs(m.data, scope) : null;
    if (!isObj(m) || pairs === null) return [{ end: 'unknown', by: `${quote}: verdict map not readable`, assumed: k.assumed, opaque: k.opaque }];
    const opaque = !isSourceMatch({ left: m.key });
    const out: ChainPath[] = [];
    let notMatched = k;
    for (const [key, verdict] of pairs) {
      const t = keyHolds(m.key, key, this.p);
      if (t === 'no' || !isObj(verdict)) continue;
      const label = `${quote} [${JSON.stringify(key)}]`;
      if (t === 'yes') return [...out, ...this.apply(verdict, c, i, quote, notMatched, depth)];
      this.count(1);
      out.push(...this.apply(verdict, c, i, quote, assume(notMatched, `${label} (matches)`, opaque), depth));
      notMatched = assume(notMatched, `${label} (does not match)`, opaque);
    }
    return [...out, ...this.chain(c, i + 1, notMatched, depth)];
  }
}

/** Base chains of the stages that see a packet of this family, in the order the kernel runs them. */
export function baseChains(rs: NftRuleset, p: ProbePacket, stages: readonly Stage[]): NftChain[] {
  const families = p.family === 4 ? ['ip', 'inet'] : ['ip6', 'inet'];
  const out: NftChain[] = [];
  for (const st of stages) {
    const here = rs.chains.filter((c) => {
      if (c.hook !== st.hook || !st.types.includes(c.type ?? 'filter')) return false;
      if (st.hook === 'ingress') {
        if (c.family !== 'netdev' && c.family !== 'inet') return false;
        return p.iifname != null && (c.devices ?? []).includes(p.iifname);
      }
      return families.includes(c.family);
    });
    // Lower priority first; equal priorities keep listing order (the kernel leaves it undefined).
    out.push(...here.map((c, idx) => ({ c, idx })).sort((a, b) => (a.c.prio ?? 0) - (b.c.prio ?? 0) || a.idx - b.idx).map((x) => x.c));
  }
  return out;
}

/**
 * Every way the packet can go through the stages: an accept moves it to the next base chain, a
 * drop or reject ends it, falling off a base chain applies that chain's policy. With nothing on
 * the hooks the packet is accepted. Too many ways (unknown matches multiply them) give one
 * `unknown` path.
 */
export function walkHooks(rs: NftRuleset, p: ProbePacket, stages: readonly Stage[]): HookPath[] {
  const w = new Walker(rs, p);
  try {
    let live: (Cond & { by: string | null })[] = [{ assumed: [], opaque: false, by: null }];
    const done: HookPath[] = [];
    for (const c of baseChains(rs, p, stages)) {
      const next: typeof live = [];
      for (const st of live) {
        for (const r of w.chain(c, 0, { assumed: st.assumed, opaque: st.opaque }, 0)) {
          const k = { assumed: r.assumed, opaque: r.opaque };
          if (r.end === 'continue') {
            if (c.policy === 'drop') done.push({ outcome: 'drop', by: `policy drop of ${chainName(c)}`, ...k });
            else next.push({ ...k, by: `policy accept of ${chainName(c)}` });
          } else if (r.end === 'accept') next.push({ ...k, by: r.by });
          else done.push({ outcome: r.end, by: r.by, ...k });
        }
      }
      live = next;
    }
    for (const st of live) done.push({ outcome: 'accept', by: st.by ?? 'no base chain on these hooks drops it', assumed: st.assumed, opaque: st.opaque });
    return done;
  } catch (e) {
    if (e instanceof TooComplex) return [{ outcome: 'unknown', by: `more than ${MAX_PATHS} ways through the ruleset (too many rules depend on unknown fields)`, assumed: [], opaque: true }];
    throw e;
  }
}

/** What all the ways say together. */
export interface Reach {
  /** `dropped`/`accepted`/`natted`: every way ends so; `mixed`: it depends; `unknown`: a way was not understood. */
  verdict: 'dropped' | 'accepted' | 'natted' | 'mixed' | 'unknown';
  paths: HookPath[];
}

/** Sums up the ways of {@link walkHooks}. */
export function summarize(paths: HookPath[]): Reach {
  const outs = new Set(paths.map((x) => x.outcome));
  if (outs.has('unknown')) return { verdict: 'unknown', paths };
  if (outs.size === 1) {
    const o = [...outs][0]!;
    return { verdict: o === 'drop' ? 'dropped' : o === 'nat' ? 'natted' : 'accepted', paths };
  }
  return { verdict: 'mixed', paths };
}

/** The distinct deciding rules of the ways that ended with `outcome`, at most `max`. */
export function decidedBy(paths: HookPath[], outcome: Outcome, max = 3): string[] {
  const seen = [...new Set(paths.filter((x) => x.outcome === outcome).map((x) => x.by))];
  return seen.length > max ? [...seen.slice(0, max), `… and ${seen.length - max} more`] : seen;
}
