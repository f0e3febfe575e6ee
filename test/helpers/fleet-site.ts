// One site's publisher for the hub tests, as a gateway's fleet link publishes: the site's own NATS
// user and inbox prefix, its own outbox sequence, `<site>:<record id>` as Nats-Msg-Id, and a wait
// for each PubAck.
import { connect, type NatsConnection } from 'nats';
import type { FleetRecord } from '../../gateway/fleet/fleet-record.js';
import { fleetSubject, type FleetKind } from '../../gateway/fleet/fleet-stream.js';
import { siteInboxPrefix } from '../../gateway/fleet/nats-server-config.js';
import type { TestNats } from './nats-server.js';

/** What a test may change of a published record. */
export interface PublishOptions {
  /** The Nats-Msg-Id (default `<site>:<id>`): JetStream drops a repeat across the whole stream. */
  msgId?: string;
  /** The site the body names (default the publisher's): the hub must refuse another. */
  bodySite?: string;
  /** The record's `at` (default now). */
  at?: string;
}

export class SitePublisher {
  private seq = 0;
  private constructor(readonly site: string, readonly nc: NatsConnection) {}

  static async open(nats: TestNats, site: string): Promise<SitePublisher> {
    const c = nats.site(site);
    return new SitePublisher(site, await connect({ servers: nats.url, user: c.user, pass: c.pass, inboxPrefix: siteInboxPrefix(site), reconnect: false }));
  }

  /** Publishes one record on `edgeward.<site>.<kind>` and waits for its PubAck; returns the record. */
  async publish(kind: FleetKind, id: string, data: unknown, o: PublishOptions = {}): Promise<FleetRecord> {
    const rec: FleetRecord = { id, site: o.bodySite ?? this.site, kind, seq: ++this.seq, at: o.at ?? new Date().toISOString(), data };
    await this.nc.jetstream().publish(fleetSubject(this.site, kind), JSON.stringify(rec), { msgID: o.msgId ?? `${this.site}:${id}` });
    return rec;
  }
}
