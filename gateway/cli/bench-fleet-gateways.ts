// The simulated gateways of `npm run bench:fleet`, in their own process (forked by bench-fleet.ts
// with an IPC channel) so the hub's process is measured alone, as it runs in production: each
// gateway is its own SQLite outbox and FleetLink, as a daemon has them.
import { join } from 'node:path';
import { FLEET_DEFAULTS } from '../fleet/fleet-config.js';
import { FleetLink } from '../fleet/fleet-link.js';
import { siteUser } from '../fleet/nats-server-config.js';
import { Outbox } from '../fleet/outbox.js';
import { openDatabase, type Db } from '../store/database.js';

/** What the bench sends this process (IPC). */
export type GatewaysCommand =
  /** Make the gateways, fill each outbox with `records` alerts; answer `ready`. */
  | { op: 'fill'; url: string; dir: string; sites: string[]; passwords: Record<string, string>; records: number }
  /** Start every link (the ingest clock runs in the bench); answer `drained` when every outbox is empty. */
  | { op: 'go' }
  /** Add `total` alerts at `perSecond`, round robin over the gateways; answer `made`. */
  | { op: 'pace'; perSecond: number; total: number }
  /** Add `total` alerts at once, round robin over the gateways; answer `drained` when every outbox is empty. */
  | { op: 'burst'; total: number }
  /** Stop the links, close the databases; answer `stopped`, then exit. */
  | { op: 'stop' };

/** What this process answers. */
export type GatewaysReply = { op: 'ready' } | { op: 'drained' } | { op: 'made' } | { op: 'stopped' } | { op: 'error'; message: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An alert as a gateway's API has it (the record's data), about 700 bytes of JSON. */
function alertData(id: string, i: number): Record<string, unknown> {
  const t = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    id, seq: i + 1, activity: i + 1, rev: 1, ts: t, rule: 'mud.violation', severity: 'high', device: '02:00:00:00:00:0a',
    src: '192.168.1.10', dst: '198.51.100.23', proto: 'tcp', sport: 40000 + (i % 20000), dport: 6667, communityId: '1:PJ0qGVvR8CXD1vLp6bEj1yz2g7E=',
    count: 1, message: 'example-camera sent tcp to 198.51.100.23:6667, outside its MUD profile: no ACE matched in from-device-policy ACLs [camera-v4-from-device]',
    evidence: { acl: 'camera-v4-from-device', direction: 'from-device', mudUrl: 'https://mud.example.com/edgeward-demo/camera.json' },
    firstTs: t, lastTs: t, status: 'open', acknowledgedBy: null, acknowledgedAt: null, resolvedBy: null, resolvedAt: null, reopenedAt: null,
  };
}

const dbs: Db[] = [];
const outboxes: Outbox[] = [];
const links: FleetLink[] = [];
let fill: Extract<GatewaysCommand, { op: 'fill' }> | null = null;

const reply = (m: GatewaysReply): void => { process.send?.(m); };

async function handle(cmd: GatewaysCommand): Promise<void> {
  switch (cmd.op) {
    case 'fill':
      fill = cmd;
      for (const site of cmd.sites) {
        const db = openDatabase(join(cmd.dir, `${site}.sqlite`));
        dbs.push(db);
        const o = new Outbox(db, { maxRecords: 10_000_000 });
        for (let i = 0; i < cmd.records; i++) o.add('alert', `a${i}:1`, alertData(`a${i}`, i));
        outboxes.push(o);
      }
      reply({ op: 'ready' });
      return;
    case 'go': {
      const f = fill!;
      f.sites.forEach((site, k) => {
        const link = new FleetLink({ config: { ...FLEET_DEFAULTS, enabled: true, servers: [f.url], site, user: siteUser(site), password: f.passwords[site]! }, outbox: outboxes[k]! });
        links.push(link);
        link.start();
      });
      while (outboxes.some((o) => o.depth > 0)) await sleep(5);
      reply({ op: 'drained' });
      return;
    }
    case 'pace': {
      const startAt = performance.now();
      for (let i = 0; i < cmd.total; i++) {
        const wait = startAt + (i / cmd.perSecond) * 1000 - performance.now();
        if (wait > 1) await sleep(wait);
        outboxes[i % outboxes.length]!.add('alert', `l${i}:1`, alertData(`l${i}`, i));
      }
      reply({ op: 'made' });
      return;
    }
    case 'burst':
      for (let i = 0; i < cmd.total; i++) outboxes[i % outboxes.length]!.add('alert', `b${i}:1`, alertData(`b${i}`, i));
      while (outboxes.some((o) => o.depth > 0)) await sleep(5);
      reply({ op: 'drained' });
      return;
    case 'stop':
      for (const l of links) await l.stop();
      for (const db of dbs) db.close();
      reply({ op: 'stopped' });
      process.disconnect?.();
      return;
  }
}

process.on('message', (m: GatewaysCommand) => {
  handle(m).catch((e: unknown) => reply({ op: 'error', message: (e as Error).stack ?? String(e) }));
});
