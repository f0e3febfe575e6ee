// c2.http: HTTP requests with several marks of malware command and control at once. Bots that
// check in over plain HTTP give themselves away by how little they look like a browser or a
// device's cloud client: Emotet's 2020-2021 epochs POSTed multipart uploads with random field
// names to random multi-segment paths on bare IP addresses, ports 80/443/7080/8080, with an IE7
// user agent on an IE11 engine ("MSIE 7.0; … Trident/7.0"; Unit 42, malware-traffic-analysis.net);
// TrickBot's modules POST to bare addresses on 447/449/8082 with a path carrying the victim's id
// (/<gtag>/<HOST>_W<winver>.<32 hex>/<command>/); CryptoWall 4 and Locky checked in with
// "POST /<random>.php?<letter>=<random>" and an MSIE 7 user agent. nDPI names the same risks
// (HTTP numeric IP host, suspicious user agent, HTTP on a non-standard port).
//
// No single mark is enough (IoT devices talk HTTP to bare addresses with odd user agents and hex
// tokens in their paths): each request is scored by its marks, with weights below, and alerts when
// the score reaches `threshold` with at least `minMarks` marks, to a server outside the LAN. One
// alert per (device, server), its count the requests that scored. It reads http.request records.
import { BoundedTable } from '../../common/bounded-table.js';
import type { AppRecord, HttpRequestRecord } from '../../app/app-record.js';
import type { PacketView } from '../../decode/packet-view.js';
import type { Flow } from '../../track/flow.js';
import { flowFields } from '../../sensor/alert-fields.js';
import { plugin, type Plugin, type PluginHost } from '../../sensor/plugin.js';

/** Settings of `detect.c2Http`. Fixed at start. */
export interface C2HttpConfig {
  /**
   * Score a request needs to raise c2.http (sum of its marks' weights, see MARK_WEIGHTS). Default 6:
   * more than any two weak marks (bare IP 2 + odd port 2, or an old MSIE user agent 2 + bare IP 2 +
   * no Accept-Language 1 = 5, which embedded DDNS updaters and camera clients do send); a check-in
   * with three marks of C&C reaches it (CryptoWall's 2 + 3 + 1, Emotet's 8).
   */
  threshold: number;
  /** Marks a request needs besides the score. Default 2: a single mark is never enough, whatever its weight. */
  minMarks: number;
  /** Server ports where plain HTTP is normal: no mark. Default [80]. */
  httpPorts: number[];
  /**
   * Alternate HTTP ports, common for proxies, admin pages and IoT clouds: weak mark (1). Default
   * [8080, 8000, 8008, 8081, 8888, 81, 591]. Every other port is the strong mark (2): Emotet's 7080,
   * TrickBot's 447/449/8082, and plain HTTP on 443.
   */
  altHttpPorts: number[];
  /** (device, server) pairs tracked; at the cap the least recently active is forgotten (counted). Default 4096. */
  maxTracked: number;
}

export const C2_HTTP_DEFAULTS: Readonly<C2HttpConfig> = Object.freeze({
  threshold: 6,
  minMarks: 2,
  httpPorts: Object.freeze([80]) as number[],
  altHttpPorts: Object.freeze([8080, 8000, 8008, 8081, 8888, 81, 591]) as number[],
  maxTracked: 4096,
});

/** The marks, each with the value that showed it. */
export type C2MarkName =
  | 'ip-host' | 'no-host' | 'port' | 'ua-forged' | 'ua-random' | 'ua-missing' | 'no-accept-language'
  | 'path-random' | 'php-random' | 'client-id-path' | 'multipart';

/**
 * Weight of each mark. Strong (3): shapes only malware makes — a .php named or queried at random
 * (CryptoWall, Locky, Dridex), TrickBot's victim id in the path. Medium (2): a bare IP Host (nDPI's
 * HTTP_NUMERIC_IP_HOST), a non-HTTP port, an obsolete or inconsistent MSIE user agent, a random
 * user agent, two or more random path segments. Weak (1): no Host, an alternate HTTP port, no user
 * agent, a browser user agent without Accept-Language (browsers always send it), a multipart upload.
 */
export const MARK_WEIGHTS: Readonly<Record<C2MarkName, number>> = Object.freeze({
  'ip-host': 2, 'no-host': 1, port: 2, 'ua-forged': 2, 'ua-random': 2, 'ua-missing': 1, 'no-accept-language': 1,
  'path-random': 2, 'php-random': 3, 'client-id-path': 3, multipart: 1,
});

/** One mark a request showed. */
export interface C2Mark {
  mark: C2MarkName;
  weight: number;
  value: string | number | null;
}

/** What scoring a request found. */
export interface C2Score {
  score: number;
  marks: C2Mark[];
}

const IPV4_HOST = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** MSIE 2-8: obsolete since IE9 (2011); bots still send "MSIE 6.0"/"MSIE 7.0" strings. */
const OLD_MSIE = /MSIE ([2-8])\.\d/;
const TRIDENT = /Trident\/(\d+)\./;
/** Windows 95/98/NT 4/2000/XP: no such client on a network of today. */
const OLD_WINDOWS = /Windows (?:95|98|NT [45]\.)/;
/** TrickBot's client id: <HOST>_W<major><minor><build>.<32 hex>, "_W617601." on Windows 7, "_W10019041." on 10 (Fortinet, Unit 42 write-ups). */
const TRICKBOT_ID = /_W\d{6,8}\.[0-9A-F]{16,}/i;
const ALNUM = /^[A-Za-z0-9]+$/;

/** Case changes between consecutive letters (digits skipped): "EN3GUkgHakZ3iVe" has 7, "camelCase" 2. */
function caseSwitches(s: string): number {
  let n = 0, prev = 0; // 1 upper, 2 lower
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const k = c >= 65 && c <= 90 ? 1 : c >= 97 && c <= 122 ? 2 : 0;
    if (k === 0) continue;
    if (prev !== 0 && k !== prev) n++;
    prev = k;
  }
  return n;
}

/** Letter-digit alternations: "x4tk7t4jo6" has 7. */
function digitSwitches(s: string): number {
  let n = 0;
  for (let i = 1; i < s.length; i++) {
    const a = s.charCodeAt(i - 1) <= 57, b = s.charCodeAt(i) <= 57;
    if (a !== b) n++;
  }
  return n;
}

/**
 * A random-looking token, as bots make them: letters and digits only, at least 5, mixing both cases
 * with a digit or several case changes ("EN3GUkgHakZ3iVe", "76N1Lm"), not a word in camel case.
 * Lower-case hex or base-36 ids (device tokens, hashes) do not count: APIs use them everywhere.
 */
export function randomToken(s: string): boolean {
  if (s.length < 5 || !ALNUM.test(s)) return false;
  const upper = /[A-Z]/.test(s), lower = /[a-z]/.test(s), digit = /\d/.test(s);
  if (!upper || !lower) return false;
  const sw = caseSwitches(s);
  // With digits: case and letter-digit changes together ("76N1Lm": 1 + 3); "HTTP2Server" has 1 + 2, "iPhone12" 2 + 1.
  return digit ? sw >= 1 && sw + digitSwitches(s) >= 4 : sw >= Math.max(4, s.length / 3);
}

/** A random query value: letters and digits, at least 6, alternating often ("x4tk7t4jo6", "9m822y31lxud7aj"). */
function randomValue(s: string): boolean {
  return s.length >= 6 && ALNUM.test(s) && /[A-Za-z]/.test(s) && /\d/.test(s) && (digitSwitches(s) >= 4 || randomToken(s));
}

/** The Host without its port, lower-cased, or null. */
function hostOnly(h: string): string {
  const t = h.trim().toLowerCase();
  if (t.startsWith('[')) return t.slice(1, t.indexOf(']') > 0 ? t.indexOf(']') : t.length);
  const c = t.indexOf(':');
  return c >= 0 && t.indexOf(':', c + 1) < 0 ? t.slice(0, c) : t;
}

/** The user-agent marks: forged (old or inconsistent MSIE, old Windows), random, missing. */
function uaMark(ua: string | null): C2Mark | null {
  if (ua === null || ua.trim() === '') return { mark: 'ua-missing', weight: MARK_WEIGHTS['ua-missing'], value: null };
  const msie = OLD_MSIE.exec(ua);
  if (msie !== null || OLD_WINDOWS.test(ua)) {
    // MSIE N runs on Trident N-4 (IE8 = Trident/4.0 … IE11 = 7.0): "MSIE 7.0 … Trident/7.0" is an IE11 engine claiming IE7.
    const tri = TRIDENT.exec(ua);
    const why = msie !== null && tri !== null && Number(tri[1]) !== Number(msie[1]) - 4 ? 'inconsistent' : 'obsolete';
    return { mark: 'ua-forged', weight: MARK_WEIGHTS['ua-forged'], value: `${why}: ${ua.slice(0, 120)}` };
  }
  // No product/version and no words: random letters (nDPI's suspicious user agent).
  if (!/[/ ()]/.test(ua) && (randomToken(ua) || /^[A-Za-z]{5,}$/.test(ua) && !/[aeiouy]/i.test(ua))) {
    return { mark: 'ua-random', weight: MARK_WEIGHTS['ua-random'], value: ua.slice(0, 120) };
  }
  return null;
}

/** The path marks: TrickBot's client id, a random .php or .php query, two or more random segments. */
function pathMarks(uri: string, out: C2Mark[]): void {
  const q = uri.indexOf('?');
  const path = q >= 0 ? uri.slice(0, q) : uri;
  const query = q >= 0 ? uri.slice(q + 1) : '';
  if (TRICKBOT_ID.test(path)) {
    out.push({ mark: 'client-id-path', weight: MARK_WEIGHTS['client-id-path'], value: path.slice(0, 200) });
    return;
  }
  const segs = path.split('/').filter((s) => s.length > 0);
  const last = segs.length > 0 ? segs[segs.length - 1]! : '';
  if (last.toLowerCase().endsWith('.php')) {
    const stem = last.slice(0, -4);
    const params = query === '' ? [] : query.split('&');
    // One short parameter with a random value, or a random script name: a check-in, not a form.
    const p0 = params.length === 1 ? params[0]!.split('=') : null;
    const randomQuery = p0 !== null && p0.length === 2 && p0[0]!.length <= 3 && randomValue(p0[1]!);
    if (randomQuery || (randomToken(stem) && params.length <= 1)) {
      out.push({ mark: 'php-random', weight: MARK_WEIGHTS['php-random'], value: uri.slice(0, 200) });
      return;
    }
  }
  const random = segs.filter(randomToken).length;
  if (random >= 2) out.push({ mark: 'path-random', weight: MARK_WEIGHTS['path-random'], value: path.slice(0, 200) });
}

/**
 * Scores one request sent to `port`; `alt` and `http` say which ports are HTTP's. Pure: exported
 * for tests and for the explain tooling.
 */
export function scoreRequest(rec: HttpRequestRecord, port: number, http: ReadonlySet<number>, alt: ReadonlySet<number>): C2Score {
  const marks: C2Mark[] = [];
  if (rec.host === null || rec.host.trim() === '') marks.push({ mark: 'no-host', weight: MARK_WEIGHTS['no-host'], value: null });
  else {
    const h = hostOnly(rec.host);
    if (IPV4_HOST.test(h) || h.includes(':')) marks.push({ mark: 'ip-host', weight: MARK_WEIGHTS['ip-host'], value: rec.host });
  }
  if (!http.has(port)) marks.push({ mark: 'port', weight: alt.has(port) ? 1 : MARK_WEIGHTS.port, value: port });
  const ua = uaMark(rec.userAgent);
  if (ua !== null) marks.push(ua);
  // A browser sends Accept-Language with every request; a bot dressed as one forgets it.
  if (rec.userAgent !== null && rec.userAgent.startsWith('Mozilla/') && rec.headerText !== undefined && !/(?:^|\n)accept-language[ \t]*:[ \t]*\S/i.test(rec.headerText)) {
    marks.push({ mark: 'no-accept-language', weight: MARK_WEIGHTS['no-accept-language'], value: null });
  }
  pathMarks(rec.uri, marks);
  if (rec.method === 'POST' && rec.contentType !== null && rec.contentType.toLowerCase().startsWith('multipart/form-data')) {
    marks.push({ mark: 'multipart', weight: MARK_WEIGHTS.multipart, value: rec.contentType.slice(0, 100) });
  }
  let score = 0;
  for (const m of marks) score += m.weight;
  return { score, marks };
}

/** One (device, server) pair. */
interface Pair {
  /** Requests with at least one mark. */
  requests: number;
  scored: number;
}

/** The running detector. */
export interface C2HttpDetector extends Plugin {
  /** Pairs forgotten at maxTracked. */
  readonly evicted: number;
}

/**
 * The `c2Http` detector. Alert: src = the client, dst = the server, device = the LAN client, dedup
 * peer = the server, so one alert per (device, server), folded once per scoring request. Evidence:
 * `score`, `threshold`, `marks` (each with its weight and value), `method`, `path` (the URI without
 * its query, at most 200 characters), `host`, `userAgent`, `requests` (to this server so far that
 * carried at least one mark, on any connection), `scored` (those that reached the threshold).
 */
export const c2Http = plugin<C2HttpConfig>({
  name: 'c2Http',
  rules: ['c2.http'],
  defaults: C2_HTTP_DEFAULTS,
  create(host: PluginHost, cfg: Readonly<C2HttpConfig>): C2HttpDetector {
    const http = new Set(cfg.httpPorts);
    const alt = new Set(cfg.altHttpPorts);
    const pairs = new BoundedTable<string, Pair>({
      name: 'detect.c2Http.maxTracked', capacity: cfg.maxTracked, order: 'lru', counters: host.events, event: 'detect.c2Http.table_full',
    });

    function local(f: Flow, side: 'a' | 'b'): boolean {
      const l = host.local;
      if (side === 'a') return f.family === 4 ? l.hasV4(f.a0) : l.hasV6(f.a0, f.a1, f.a2, f.a3);
      return f.family === 4 ? l.hasV4(f.b0) : l.hasV6(f.b0, f.b1, f.b2, f.b3);
    }

    return {
      get evicted() { return pairs.evicted; },

      onApp(rec: AppRecord, _pv: PacketView, flow: Flow | null, dir: number): void {
        if (rec.kind !== 'http.request' || flow === null) return;
        // The server is the receiver of the request; C&C is outside the LAN.
        const server: 'a' | 'b' = dir === 0 ? 'b' : 'a';
        if (local(flow, server)) return;
        const serverPort = server === 'b' ? flow.bPort : flow.aPort;
        // Scored first: most requests carry no mark, and they then cost no text and no table entry.
        const s = scoreRequest(rec, serverPort, http, alt);
        if (s.marks.length === 0) return;
        const w = flowFields(host, flow);
        const client = server === 'b' ? w.src : w.dst, serverIp = server === 'b' ? w.dst : w.src;
        const key = `${client}>${serverIp}`;
        let p = pairs.get(key);
        if (p === undefined) pairs.add(key, (p = { requests: 0, scored: 0 }));
        p.requests++;
        if (s.score < cfg.threshold || s.marks.length < cfg.minMarks) return;
        p.scored++;
        const q = rec.uri.indexOf('?');
        host.emit({
          rule: 'c2.http', ts: rec.ts, device: w.device, communityId: w.communityId, proto: 'tcp',
          src: client, dst: serverIp, sport: server === 'b' ? flow.aPort : flow.bPort, dport: serverPort, peer: serverIp,
          message: `${w.device ?? client} sent ${rec.method} ${(q >= 0 ? rec.uri.slice(0, q) : rec.uri).slice(0, 80)} to ${rec.host ?? serverIp} with ${s.marks.length} marks of HTTP C&C (${s.marks.map((m) => m.mark).join(', ')})`,
          evidence: {
            score: s.score, threshold: cfg.threshold, marks: s.marks, method: rec.method, path: (q >= 0 ? rec.uri.slice(0, q) : rec.uri).slice(0, 200),
            host: rec.host, userAgent: rec.userAgent, requests: p.requests, scored: p.scored,
          },
        });
      },

      stateSize(): number {
        return pairs.size;
      },
    };
  },
});
