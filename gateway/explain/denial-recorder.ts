// Keeps, for every flow a device's MUD profile denied, why — worked out when the first packet was
// judged, with the DNS names and classes of that moment (an answer that arrives later must not
// make the explanation say the name matched). Runs as a detector right after the MUD policy layer.
import { parseMac } from '../../policies/index.js';
import { ipv6ToString } from '../common/address-text.js';
import { BoundedTable } from '../common/bounded-table.js';
import type { PacketView } from '../decode/packet-view.js';
import type { Plugin, PluginHost } from '../sensor/plugin.js';
import type { FlowVerdict, MudPolicy } from '../policy/mud-policy.js';
import type { Flow } from '../track/flow.js';
import { explainDenial, type DenialDetail } from './denial-detail.js';
import { queryFromPacket } from '../policy/packet-query.js';

/** Settings of the recorder. */
export interface DenialRecorderOptions {
  /**
   * Denied flows remembered; past it the oldest is forgotten (counted in `evicted` and as
   * `explain.denial_table_full`). Default 20,000; below 1 counts as 1.
   */
  maxEntries?: number;
}

/** Defaults of {@link DenialRecorderOptions}. */
export const DENIAL_RECORDER_DEFAULTS = Object.freeze({ maxEntries: 20_000 });

/** Looks up why a flow was denied for a device (the explainer's source of decision-time evidence). */
export interface DenialLookup {
  /**
   * The detail for flow `id` denied for `device`; `firstTsMs` (the record's first packet, ms) guards
   * against a flow id reused by another run of the flow table.
   */
  get(id: number, device: string, firstTsMs: number): DenialDetail | undefined;
}

/**
 * The recorder. Add it to the detect engine after the MUD policy layer
 * (`engine.add('denialRecorder', new DenialRecorder(engine.host, policy))`): it reads the verdicts
 * the policy has just put on the flow.
 */
export class DenialRecorder implements Plugin, DenialLookup {
  /** Details by "flow id/device", first recorded first (a later verdict for a key keeps its place). */
  private readonly byKey: BoundedTable<string, DenialDetail>;

  constructor(private readonly host: PluginHost, private readonly policy: MudPolicy, opts: DenialRecorderOptions = {}) {
    this.byKey = new BoundedTable<string, DenialDetail>({
      name: 'denialRecorder.maxEntries', capacity: Math.max(1, opts.maxEntries ?? DENIAL_RECORDER_DEFAULTS.maxEntries),
      order: 'fifo', counters: host.events, event: 'explain.denial_table_full',
    });
  }

  /** Details forgotten at the cap. */
  get evicted(): number {
    return this.byKey.evicted;
  }

  onPacket(pv: PacketView, flow: Flow | null, dir: number): void {
    if (flow === null || flow.pktsAB + flow.pktsBA !== 1 || !Array.isArray(flow.verdict)) return;
    for (const fv of flow.verdict as FlowVerdict[]) {
      if (fv.allowed) continue;
      const cp = this.policy.policyOf(parseMac(fv.device));
      if (cp === undefined) continue;
      const q = queryFromPacket(pv, flow, dir, fv.direction);
      const addr = q.family === 4 ? q.peer0 : ipv6ToString(q.peer0, q.peer1, q.peer2, q.peer3);
      const d = explainDenial(cp, q, fv.acl, fv.ace, this.host.dns.namesFor(addr, pv.ts));
      this.byKey.set(`${flow.id}/${fv.device}`, d);
    }
  }

  get(id: number, device: string, firstTsMs: number): DenialDetail | undefined {
    const d = this.byKey.peek(`${id}/${device}`);
    return d !== undefined && Math.floor(d.ts / 1000) === firstTsMs ? d : undefined;
  }

  stateSize(): number {
    return this.byKey.size;
  }
}
