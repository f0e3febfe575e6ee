// The bundled default-credential lists: the user/password pairs IoT worms log in with. A passive
// match (a cleartext login that succeeded) and the opt-in audit both use them; what is kept of a
// match is only the list's name, never the pair (nor the user name alone).
//
// Sources (public, quoted as facts):
//  - `mirai`: the 62 entries of the `add_auth_entry` table in Mirai's bot/scanner.c, from the source
//    its author published in September 2016 (mirrored as jgamblin/Mirai-Source-Code); the same
//    table is listed in Antonakakis et al., "Understanding the Mirai Botnet" (USENIX Security 2017),
//    appendix. Its two repeats (admin/1234, guest/12345) are kept once: 60 pairs.
//  - `mirai-variants`: pairs added by later Mirai-derived bots to the same `add_auth_entry` table,
//    as seen in the variant sources leaked after 2017 (scanner.c of the variants mirrored on GitHub)
//    and in write-ups of Satori/Okiru-era variants: router and camera vendor defaults
//    (telnetadmin, ipcam_rt5350, oelinux123, t0talc0ntr0l4!, the ZTE/Huawei CPE pairs…).

/** One bundled list. */
export interface CredentialList {
  /** Its name: what an alert, the inventory and the audit report keep of a match. */
  name: string;
  /** Where the pairs come from, one line. */
  source: string;
  /** [user, password] pairs, in the order a bot tries them (most likely first). '' is an empty password. */
  pairs: readonly (readonly [string, string])[];
}

const MIRAI: CredentialList = Object.freeze({
  name: 'mirai',
  source: "Mirai bot/scanner.c add_auth_entry table (source published 2016; USENIX Security 2017 'Understanding the Mirai Botnet')",
  pairs: Object.freeze([
    ['root', 'xc3511'], ['root', 'vizxv'], ['root', 'admin'], ['admin', 'admin'], ['root', '888888'], ['root', 'xmhdipc'],
    ['root', 'default'], ['root', 'juantech'], ['root', '123456'], ['root', '54321'], ['support', 'support'], ['root', ''],
    ['admin', 'password'], ['root', 'root'], ['root', '12345'], ['user', 'user'], ['admin', ''], ['root', 'pass'],
    ['admin', 'admin1234'], ['root', '1111'], ['admin', 'smcadmin'], ['admin', '1111'], ['root', '666666'], ['root', 'password'],
    ['root', '1234'], ['root', 'klv123'], ['Administrator', 'admin'], ['service', 'service'], ['supervisor', 'supervisor'],
    ['guest', 'guest'], ['guest', '12345'], ['admin1', 'password'], ['administrator', '1234'], ['666666', '666666'],
    ['888888', '888888'], ['ubnt', 'ubnt'], ['root', 'klv1234'], ['root', 'Zte521'], ['root', 'hi3518'], ['root', 'jvbzd'],
    ['root', 'anko'], ['root', 'zlxx.'], ['root', '7ujMko0vizxv'], ['root', '7ujMko0admin'], ['root', 'system'], ['root', 'ikwb'],
    ['root', 'dreambox'], ['root', 'user'], ['root', 'realtek'], ['root', '00000000'], ['admin', '1111111'], ['admin', '1234'],
    ['admin', '12345'], ['admin', '54321'], ['admin', '123456'], ['admin', '7ujMko0admin'], ['admin', 'pass'], ['admin', 'meinsm'],
    ['tech', 'tech'], ['mother', 'fucker'],
  ].map((p) => Object.freeze(p) as readonly [string, string])),
});

const MIRAI_VARIANTS: CredentialList = Object.freeze({
  name: 'mirai-variants',
  source: 'pairs later Mirai-derived bots added to the add_auth_entry table (leaked variant sources, 2017–2019)',
  pairs: Object.freeze([
    ['telnetadmin', 'telnetadmin'], ['admin', 'admin123'], ['root', 'ipcam_rt5350'], ['root', 'oelinux123'], ['root', 't0talc0ntr0l4!'],
    ['default', 'OxhlwSG8'], ['default', 'lJwpbo6'], ['root', '3ep5w2u'], ['default', 'default'], ['default', ''], ['root', 'vhd1206'],
    ['root', 'hslwificam'], ['root', 'GM8182'], ['root', 'cat1029'], ['root', 'hunt5759'], ['root', 'tl789'],
    ['root', 'twe8ehome'], ['root', 'h3c'], ['root', 'nmgx_wapia'], ['root', 'zhongxing'], ['root', 'taZz@23495859'],
    ['e8ehome', 'e8ehome'], ['e8telnet', 'e8telnet'], ['telecomadmin', 'admintelecom'], ['admin', 'CenturyL1nk'], ['admin', 'QwestM0dem'],
    ['admin', 'gpon'], ['admin', 'ho4uku6at'], ['root', 'admin1234'], ['root', 'antslq'], ['root', 'tsgoingon'], ['root', 'hg2x0'],
  ].map((p) => Object.freeze(p) as readonly [string, string])),
});

/** Every bundled list, in the order the audit tries them. */
export const CREDENTIAL_LISTS: readonly CredentialList[] = Object.freeze([MIRAI, MIRAI_VARIANTS]);

/** The names of the bundled lists. */
export const CREDENTIAL_LIST_NAMES: readonly string[] = Object.freeze(CREDENTIAL_LISTS.map((l) => l.name));

const key = (user: string, password: string): string => `${user}\u0000${password}`;

/** pair → the first list holding it (built once; the strings never leave this file). */
const INDEX: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  for (const l of CREDENTIAL_LISTS) for (const [u, p] of l.pairs) if (!m.has(key(u, p))) m.set(key(u, p), l.name);
  return m;
})();

/** Longest user or password of any list, in bytes: a login buffer need not keep more. */
export const MAX_CREDENTIAL_BYTES = 64;

/**
 * The name of the first list holding the pair (user names compare exactly, as the devices' logins
 * do), or null. The caller must not keep `user` or `password` once it has the answer.
 */
export function credentialListOf(user: string, password: string): string | null {
  return INDEX.get(key(user, password)) ?? null;
}

/** One pair to try, with its list. */
export interface AuditCredential {
  user: string;
  password: string;
  list: string;
}

/** The pairs of `lists` (default: all), in list then bot order, each pair once. */
export function auditCredentials(lists: readonly string[] = CREDENTIAL_LIST_NAMES): AuditCredential[] {
  const seen = new Set<string>();
  const out: AuditCredential[] = [];
  for (const l of CREDENTIAL_LISTS) {
    if (!lists.includes(l.name)) continue;
    for (const [user, password] of l.pairs) {
      if (seen.has(key(user, password))) continue;
      seen.add(key(user, password));
      out.push({ user, password, list: l.name });
    }
  }
  return out;
}
