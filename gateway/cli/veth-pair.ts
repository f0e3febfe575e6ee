// A veth pair for line-rate replays: one end inside a network namespace of its own, where tcpreplay
// sends, the other in this process's namespace, where edgeward captures. Neither end has an
// address, IPv6 is off on both (no router solicitations or MLD reports join the count), and the
// capturing end never forwards, so replayed frames end at the capture and go nowhere else.
// Names are random per pair; `destroy()` removes everything and may be called at any point.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';

/** MTU of both ends: the largest a veth takes, so that no captured frame is refused as too long. */
export const VETH_MTU = 65535;

/** Deadline of one `ip` command, ms. */
const IP_TIMEOUT_MS = 10_000;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: IP_TIMEOUT_MS, killSignal: 'SIGKILL' });
}

/** Writes a sysctl of this namespace through /proc (no procps needed); skipped when the knob does not exist. */
function sysctl(path: string, value: string): void {
  if (existsSync(path)) writeFileSync(path, value);
}

export class VethPair {
  readonly id = randomBytes(3).toString('hex');
  /** The namespace of the sending end. */
  readonly ns: string;
  /** The end in this namespace, where the capture opens. */
  readonly host: string;
  /** The end inside {@link ns}, where tcpreplay sends. */
  readonly peer: string;

  /** `prefix`: up to 4 characters, so that interface names stay within 15 (IFNAMSIZ − 1). */
  constructor(prefix = 'ewl') {
    this.ns = `${prefix}-${this.id}`;
    this.host = `${prefix}${this.id}h`;
    this.peer = `${prefix}${this.id}p`;
  }

  /** Makes the namespace and the pair, both ends up. On failure call {@link destroy}. */
  create(): void {
    ip('netns', 'add', this.ns);
    // The peer is born inside the namespace; only the capturing end is in ours.
    ip('link', 'add', this.host, 'type', 'veth', 'peer', 'name', this.peer, 'netns', this.ns);
    // Before the links go up: an interface with IPv6 on sends solicitations of its own.
    sysctl(`/proc/sys/net/ipv6/conf/${this.host}/disable_ipv6`, '1');
    sysctl(`/proc/sys/net/ipv4/conf/${this.host}/forwarding`, '0');
    ip('netns', 'exec', this.ns, 'sh', '-c', `f=/proc/sys/net/ipv6/conf/${this.peer}/disable_ipv6; [ ! -e $f ] || echo 1 > $f`);
    ip('link', 'set', this.host, 'mtu', String(VETH_MTU), 'up');
    ip('-n', this.ns, 'link', 'set', this.peer, 'mtu', String(VETH_MTU), 'up');
  }

  /** Removes the namespace (which takes the pair with it) and the capturing end if it is still there; idempotent. */
  destroy(): void {
    spawnSync('ip', ['netns', 'del', this.ns], { stdio: 'ignore', timeout: IP_TIMEOUT_MS });
    if (existsSync(`/sys/class/net/${this.host}`)) spawnSync('ip', ['link', 'del', this.host], { stdio: 'ignore', timeout: IP_TIMEOUT_MS });
  }
}

/** Why this process cannot build a pair and replay onto it (not root, ip or tcpreplay missing), or null. */
export function vethReplayUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not running as root (namespaces, veth pairs and capture need it)';
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).error) return 'the ip command (iproute2) is missing: apt-get install -y iproute2';
  if (spawnSync('tcpreplay', ['-V'], { stdio: 'ignore' }).error) return 'tcpreplay is missing: apt-get install -y tcpreplay';
  return null;
}
