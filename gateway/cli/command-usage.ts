// What `edgeward COMMAND --help` prints: one usage text a command and subcommand, in one place so
// the CLI can show it (and a test can run every command) without loading the commands themselves.
import { MUD_COMPILE_USAGE, MUD_SIGN_USAGE, MUD_VALIDATE_USAGE } from '../../policies/cli/mud-usage.js';

/** Synopsis of `edgeward replay` (also in the top-level usage). */
export const REPLAY_USAGE = `edgeward replay FILE [--config FILE] [--profiles DIR] [--bind MAC=MUDFILE]... [--intel LISTFILE]...
                     [--json] [--eve OUT.jsonl] [--db ALERTS.sqlite] [--no-progress] [--max-flows N] [--top-flows N] [--workers N]`;

/** Synopsis of `edgeward start`. */
export const START_USAGE = 'edgeward start [--config FILE]                       daemon: API, WebSocket, dashboard (demo without capture.interface)';

/** Synopsis of `edgeward hub`. */
export const HUB_USAGE = 'edgeward hub [--config FILE]                         the SOC side: every site\'s records from NATS JetStream, one API';

/** Synopsis of `edgeward fleet nats-config`. */
export const FLEET_NATS_CONFIG_USAGE = `edgeward fleet nats-config --site ID [--site ID]... --store-dir DIR --secrets DIR [--out FILE]
                           [--host ADDR] [--port N] [--server-name NAME]
                           [--tls-cert FILE --tls-key FILE [--tls-ca FILE] [--tls-verify]]`;

/** Synopsis of `edgeward check`. */
const CHECK_USAGE = 'edgeward check [--wan IFACE] [--lan IFACE] [--netns NAME] [--config FILE] [--intel LISTFILE]... [--pid PID] [--json]';

/** Synopsis of `edgeward audit`. */
const AUDIT_USAGE = 'edgeward audit [--device MAC]... [--consent-file FILE] [--config FILE] [--json]';

/** Synopsis and summary of `edgeward mud learn`. */
const MUD_LEARN_USAGE = `edgeward mud learn CAPTURE --device MAC [--window DURATION] [--mud-url URL] [--include-rare]
                   [--min-flows N] [--tail-after N] [--config FILE] [--out FILE] [--report FILE] [--json]
                   [--config-out FILE]
      the device's traffic as an RFC 8520 MUD file (stdout, or --out), the report on stderr (or
      --report; JSON with --json); --config-out writes the policy config its DNS/NTP URN rules need`;

/** Synopsis of `edgeward mud explain`. */
const MUD_EXPLAIN_USAGE = `edgeward mud explain CAPTURE --bind MAC=MUDFILE [--bind …] [--profiles DIR] [--config FILE]
                          [--window DURATION] [--max-denied N] [--json]`;

const CONFIG_DAEMON = `  --config FILE           the daemon's config (YAML or JSON; default $EDGEWARD_CONFIG, else the
                          defaults): its storage section says which SQLite file to use`;

const CONFIG_HUB = `  --hub-config FILE       the tokens of a hub (edgeward hub) instead: its config's storage section
                          names the hub's SQLite file`;

/** The help text of every command and subcommand, keyed by its words after `edgeward`. */
export const COMMAND_HELP: Readonly<Record<string, string>> = Object.freeze({
  replay: `usage: ${REPLAY_USAGE}
  Runs a pcap or pcapng capture through the whole pipeline (decode, devices, flows, MUD policy,
  detectors) and prints what it found: a text report, or one JSON object with --json.
options:
  --config FILE           a gateway config (YAML or JSON): its pipeline, detect, alerts and policy sections
  --profiles DIR          MUD files matched by the MUD URL a device announces
  --bind MAC=MUDFILE      hold one device to a MUD file (repeatable)
  --intel LISTFILE        a blocklist of addresses, networks and domains, one a line (repeatable)
  --json                  the summary as JSON on stdout (progress on stderr)
  --eve OUT.jsonl         also write the alerts as EVE JSON lines
  --db ALERTS.sqlite      also store the alerts in this SQLite file
  --no-progress           no progress line on stderr
  --max-flows N           flow table cap (default from the config)
  --top-flows N           flows listed in the summary, most packets first (default 100)
  --workers N             run the sensor on N worker threads (1-64)
`,
  start: `usage: ${START_USAGE.split('  ')[0]}
  The gateway daemon: live capture on capture.interface, or the bundled demo without one; the API,
  the WebSocket stream and the dashboard on server.host:server.port (127.0.0.1:8080). Its log is JSON
  lines on stdout; the first start prints an admin token once on stderr (the demo also a vendor token).
options:
${CONFIG_DAEMON}
`,
  hub: `usage: ${HUB_USAGE.split('  ')[0]}
  The SOC side of a fleet: reads every site's records (alerts, incidents, devices, logs, traffic)
  from the EDGEWARD_FLEET JetStream stream with the durable consumer edgeward-hub into its own SQLite
  file, each record once, and serves them on its API (api.host:api.port, 127.0.0.1:8090):
  GET /api/v1/sites, /api/v1/alerts?site=&rule=&severity=&limit=&before=, /api/v1/health. Its log is
  JSON lines on stdout; the first start prints an admin token once on stderr.
options:
  --config FILE           the hub's config (YAML or JSON; default $EDGEWARD_HUB_CONFIG, else the
                          defaults): sections nats (servers, user, password, tlsCaFile, tlsCertFile,
                          tlsKeyFile), api (host, port), storage (dataDir, database), consumer (batch,
                          flushMs, ackWaitMs, maxAckPending, dedupRecords); EDGEWARD_HUB_NATS_PASSWORD
                          overrides nats.password
`,
  check: `usage: ${CHECK_USAGE}
  The home-router checklist on this box or in a network namespace: firewall, NAT, DNS filtering,
  UPnP, remote administration, edgeward not root. Each item PASS, FAIL or UNKNOWN with its evidence
  and the fix; exit 1 when an item fails.
options:
  --wan IFACE             the WAN interface (default: the one of the default route)
  --lan IFACE             the LAN interface (default: the config's capture.interface)
  --netns NAME            check inside this network namespace
  --config FILE           the gateway config (its capture.interface and detect.intel lists)
  --intel LISTFILE        a DNS blocklist to count as DNS filtering (repeatable)
  --pid PID               the edgeward process to check for root (default: a running edgeward start)
  --json                  the report as JSON
`,
  audit: `usage: ${AUDIT_USAGE}
  The opt-in exposure audit: connects from this box to LAN devices whose owners consented, on their
  maintenance ports only (telnet 23/2323, SSH 22, HTTP 80/8080), and tries the bundled
  default-credential lists (audit.lists) at audit.attemptsPerSecond, stopping at the first pair that
  logs in; nothing is ever sent after a login, no command is run. Every device is checked first
  (consent, a LAN address that is not the gateway's own): a refusal sends nothing. Each device's
  results go to the exposure inventory (no credential: only the list's name) and the audit log; the
  report lists each service's outcome and the device's findings with what to do. Exit 0 when it
  ran (whatever it found), 2 on a usage or consent error.
options:
  --device MAC            audit this device (repeatable; default every consenting device); one
                          that has not consented is an error, and nothing is audited
  --consent-file FILE     more consenting devices: one MAC a line, # comments (a bad line is an error)
${CONFIG_DAEMON}; its audit section says who consents
                          (consent), which lists (lists), how fast (attemptsPerSecond, maxAttempts,
                          connectTimeoutMs, readTimeoutMs, concurrentDevices)
  --json                  the report as one JSON object
`,
  bench: `usage: edgeward bench [FILE] [--packets N] [--runs N] [--no-tools] [--no-detect] [--bind-busiest N] [--dispatch]
                      [--workers N,N...] [--json]
  Packets/s and MB/s of the full pipeline on one core (best of --runs), with every plug-in, and the
  same file through tcpdump and tshark when installed. Without FILE it generates a capture.
options:
  --packets N             packets of the generated capture
  --runs N                runs of each measurement, the best is kept (default 3)
  --no-tools              skip tcpdump and tshark
  --no-detect             the bare pipeline only
  --bind-busiest N        bind the bundled profiles to the N busiest devices (default 0)
  --dispatch              also measure the plug-in bus alone (no-op plug-ins)
  --workers N,N...        also measure over N worker threads (comma-separated counts, 1-64)
  --json                  the result as JSON
`,
  token: `usage: edgeward token create|list|revoke …
  API tokens in the daemon's SQLite file, or a hub's with --hub-config (the secret is printed once;
  only its SHA-256 is kept).
  edgeward token create --role admin|analyst|vendor|device [--vendor DOMAIN] [--device MAC] [--name TEXT] [--config FILE] [--json]
  edgeward token list [--config FILE]
  edgeward token revoke ID [--config FILE]
  (edgeward token SUBCOMMAND --help for each)
`,
  'token create': `usage: edgeward token create --role admin|analyst|vendor|device [--vendor DOMAIN] [--device MAC] [--name TEXT]
                             [--config FILE | --hub-config FILE] [--json]
  Creates an API token and prints its secret once on stdout (its id and scope on stderr).
options:
  --role ROLE             admin, analyst, vendor or device
  --vendor DOMAIN         a vendor token's manufacturer domain (required for vendor): it may upload
                          MUD profiles whose URL host is DOMAIN or under it
  --device MAC            a device token's MAC (optional; device tokens post edge logs)
  --name TEXT             a note for people
${CONFIG_DAEMON}
${CONFIG_HUB}
  --json                  token, id and scope as one JSON object
`,
  'token list': `usage: edgeward token list [--config FILE | --hub-config FILE]
  Every token (never a secret) as JSON lines: id, role, scope, created, last used, revoked.
options:
${CONFIG_DAEMON}
${CONFIG_HUB}
`,
  'token revoke': `usage: edgeward token revoke ID [--config FILE | --hub-config FILE]
  Revokes the token of this id at once (a running daemon ends its open streams).
options:
${CONFIG_DAEMON}
${CONFIG_HUB}
`,
  mud: `usage: edgeward mud validate|compile|sign|learn|explain …
  MUD files (RFC 8520): check, compile to nftables, sign, learn from a capture, explain verdicts.
  (edgeward mud SUBCOMMAND --help for each)
`,
  'mud validate': MUD_VALIDATE_USAGE,
  'mud compile': MUD_COMPILE_USAGE,
  'mud sign': MUD_SIGN_USAGE,
  'mud learn': `usage: ${MUD_LEARN_USAGE}
options:
  --device MAC            the device to learn (required)
  --window DURATION       learn only the first DURATION of the device's traffic (90s, 10m, 1h30m)
  --mud-url URL           the https MUD URL to write in the file
  --include-rare          also allow the rare destinations (otherwise listed in the report only)
  --min-flows N           a destination met in fewer flows than N is rare (default 2)
  --tail-after N          look for rare destinations only when the device has more than N (default 20)
  --config FILE           a gateway config (its pipeline, detect and policy sections)
  --out FILE              write the MUD file here instead of stdout
  --report FILE           write the report here instead of stderr
  --json                  the report as JSON
  --config-out FILE       write the policy config the learned DNS/NTP rules need
`,
  'mud explain': `usage: ${MUD_EXPLAIN_USAGE}
  Replays a capture against MUD profiles: per device what each ACE allowed (flows, bytes), the ACEs
  never used, and why each denied flow was denied (nearest ACE, what differed).
options:
  --bind MAC=MUDFILE      hold one device to a MUD file (repeatable)
  --profiles DIR          MUD files matched by the MUD URL a device announces
  --config FILE           a gateway config (YAML or JSON) whose pipeline, detect and policy sections
                          the replay uses: policy.bindings add to --bind, policy.profilesDir serves
                          when --profiles is not given, and policy says what local-networks,
                          controllers and the gateway's addresses are (default: the built-in defaults)
  --window DURATION       explain only the first DURATION of the capture (90s, 15m, 2h, 1d)
  --max-denied N          denied flows listed per device (default 1000)
  --json                  the report as JSON
`,
  trust: `usage: edgeward trust add|list|remove …
  Which certificates may sign MUD files for which vendor domain (in the daemon's SQLite file; a
  running daemon uses a change at its next signature check). fetch.trustAnchors of the config are
  trusted for every domain besides.
  edgeward trust add CERT --vendor DOMAIN [--config FILE] [--json]
  edgeward trust list [--config FILE] [--json]
  edgeward trust remove ID|FINGERPRINT [--config FILE]
  (edgeward trust SUBCOMMAND --help for each)
`,
  'trust add': `usage: edgeward trust add CERT --vendor DOMAIN [--config FILE] [--json]
  Trusts CERT (PEM or DER: the vendor's CA, or its MUD signing certificate itself) to sign MUD files
  whose URL host is DOMAIN or a name under it. Prints the entry's id.
options:
  --vendor DOMAIN         the vendor's MUD domain (e.g. mud.example.com or example.com)
${CONFIG_DAEMON}
  --json                  the entry as JSON
`,
  'trust list': `usage: edgeward trust list [--config FILE] [--json]
  The trusted signers: id, vendor domain, kind (ca or signer), SHA-256 fingerprint, end of validity, subject.
options:
${CONFIG_DAEMON}
  --json                  one JSON object a line
`,
  fleet: `usage: edgeward fleet nats-config …
  The NATS side of a fleet (edgeward fleet SUBCOMMAND --help for each).
`,
  'fleet nats-config': `usage: ${FLEET_NATS_CONFIG_USAGE}
  Writes the nats-server configuration of a fleet: JetStream on, one account, the hub's user (every
  right) and a user site-<ID> per site that may publish only edgeward.<ID>.* (not its control subject)
  and read only edgeward.<ID>.control and its own inbox. Each user's password is in its own file in
  the secrets folder (mode 0600); passwords already there are kept, so running it again with one more
  --site changes nothing for the others. Start the server with nats-server -c FILE.
options:
  --site ID               a site id (repeatable; at least one)
  --store-dir DIR         JetStream's store directory, an absolute path
  --secrets DIR           where hub.password and site-<ID>.password live (made 0700 if missing)
  --out FILE              write the configuration here (mode 0600; default stdout)
  --host ADDR             the client listener's address (default 0.0.0.0)
  --port N                the client port (default 4222)
  --server-name NAME      the server's name, stable across restarts (default edgeward-hub)
  --tls-cert FILE         the server's TLS certificate (PEM); with --tls-key every client speaks TLS
  --tls-key FILE          its private key (PEM)
  --tls-ca FILE           the CA bundle client certificates must chain to
  --tls-verify            require a client certificate of --tls-ca from every client (mutual TLS)
`,
  'trust remove': `usage: edgeward trust remove ID|FINGERPRINT [--config FILE]
  Stops trusting the entry of this id, or every entry of this certificate (its SHA-256 fingerprint,
  hex with or without colons, as \`openssl x509 -noout -fingerprint -sha256\` prints it).
options:
${CONFIG_DAEMON}
`,
});

/** Commands that take a subcommand, and theirs. */
export const SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  fleet: ['nats-config'],
  token: ['create', 'list', 'revoke'],
  mud: ['validate', 'compile', 'sign', 'learn', 'explain'],
  trust: ['add', 'list', 'remove'],
});

/** The help key of an argument list (`['mud', 'sign', 'x.json']` → `mud sign`), or null for an unknown command. */
export function commandKey(argv: readonly string[]): string | null {
  const [cmd, sub] = argv;
  if (cmd === undefined || COMMAND_HELP[cmd] === undefined) return null;
  const subs = SUBCOMMANDS[cmd];
  return subs !== undefined && sub !== undefined && subs.includes(sub) ? `${cmd} ${sub}` : cmd;
}
