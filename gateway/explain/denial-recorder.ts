// Keeps, for every flow a device's MUD profile denied, why — worked out when the first packet was
// judged, with the DNS names and classes of that moment (an answer that arrives later must not
// make the explanation say the name matched). Runs as a detector right after the MUD policy layer.
import { parseMac } from '../../policies/index.js';
import { ipv6ToString } from '../common/address-text.js';
import type { PacketView } from '../decode/packet-view.js';
import type { Plugin, PluginHost } from '../sensor/plugin.js';
import type { FlowVerdict, MudPolicy } from '../policy/mud-policy.js';
import type { Flow } from '../track/flow.js';
import { explainDenial, type DenialDetail } from './denial-detail.js';
import { queryFromPacket } from '../policy/packet-query.js';

/** Settings of the recorder. */
export interface DenialRecorderOptions {
  /** Denied flows remembered; past it the oldest is forgotten (and counted in `evicted`). Default 20,000. */
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
  private readonly byKey = new Map<string, DenialDetail>();
  private readonly max: number;
  /** Details forgotten at the cap. */
  evicted = 0;

  constructor(private readonly host: PluginHost, private readonly policy: MudPolicy, opts: DenialRecorderOptions = {}) {
    this.max = Math.max(1, opts.maxEntries ?? DENIAL_RECORDER_DEFAULTS.maxEntries);
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
      const key = `${flow.id}/${fv.device}`;
      if (!this.byKey.has(key) && this.byKey.size >= this.max) {
        this.byKey.delete(this.byKey.keys().next().value as string);
        this.evicted++;
      }
      this.byKey.set(key, d);
    }
  }

  get(id: number, device: string, firstTsMs: number): DenialDetail | undefined {
    const d = this.byKey.get(`${id}/${device}`);
    return d !== undefined && Math.floor(d.ts / 1000) === firstTsMs ? d : undefined;
  }

  stateSize(): number {
    return this.byKey.size;
  }
}
