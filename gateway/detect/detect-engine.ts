// Runs the detectors on the pipeline: calls each hook only on the detectors that define it, drives
// `onTick` once per second of packet time, and hands alerts to the alert manager.
import type { AlertInput } from '../alerts/alert.js';
import type { AlertManager } from '../alerts/alert-manager.js';
import type { RuleId } from '../alerts/rules.js';
import type { DnsMessage } from '../app/dns/dns-message.js';
import type { PacketView } from '../decode/packet-view.js';
import type { PacketObserver, Pipeline } from '../pipeline/pipeline.js';
import type { Device } from '../track/device.js';
import type { Flow } from '../track/flow.js';
import type { Detector, DetectorHost, DetectorSpec } from './detector.js';

/** Per-detector settings: `enabled` plus the detector's own keys. */
export type DetectConfig = Record<string, Record<string, unknown> & { enabled?: boolean }>;

/** Builds a detector's config from its defaults and the overrides; unknown keys are errors. */
export function detectorConfig(spec: DetectorSpec<object>, over: Record<string, unknown> = {}): Record<string, unknown> {
  const d = spec.defaults as Record<string, unknown>;
  for (const k of Object.keys(over)) {
    if (k !== 'enabled' && !(k in d)) throw new RangeError(`detect.${spec.name}.${k}: unknown key (known: enabled, ${Object.keys(d).join(', ')})`);
  }
  return Object.freeze({ ...d, ...over });
}

export class DetectEngine implements PacketObserver {
  readonly detectors: { name: string; d: Detector }[] = [];
  private readonly onPacketList: Detector[] = [];
  private readonly onFlowStartList: Detector[] = [];
  private readonly onFlowEndList: Detector[] = [];
  private readonly onDnsList: Detector[] = [];
  private readonly onDeviceNewList: Detector[] = [];
  private readonly onTickList: Detector[] = [];
  private readonly onFinishList: Detector[] = [];
  private nextTick = 0;
  readonly host: DetectorHost;

  constructor(private readonly pipeline: Pipeline, specs: readonly DetectorSpec<object>[], cfg: DetectConfig, private readonly alerts: AlertManager) {
    const local = pipeline.devices.local;
    this.host = {
      emit: (a: AlertInput) => void alerts.raise(a),
      openStorm: (a: AlertInput, rules: readonly RuleId[], untilTs: number) => void alerts.openStorm(a, rules, untilTs),
      devices: pipeline.devices, dns: pipeline.dns, local,
    };
    for (const spec of specs) {
      const c = detectorConfig(spec, cfg[spec.name]);
      if (c.enabled === false) continue;
      this.add(spec.name, spec.create(this.host, c as never));
    }
    pipeline.observers.push(this);
    pipeline.flows.addListener({
      onFlowStart: (f: Flow) => { for (const d of this.onFlowStartList) d.onFlowStart!(f); },
      onFlowEnd: (f: Flow) => { for (const d of this.onFlowEndList) d.onFlowEnd!(f); },
    });
    pipeline.app.dnsObservers.push((m: DnsMessage, pv: PacketView, f: Flow | null) => { for (const d of this.onDnsList) d.onDns!(m, pv, f); });
    pipeline.devices.addListener({ onDeviceNew: (dev: Device) => { for (const d of this.onDeviceNewList) d.onDeviceNew!(dev, dev.firstSeen); } });
  }

  /** Adds a running detector (one built outside the registry, such as the MUD policy layer). */
  add(name: string, d: Detector): void {
    this.detectors.push({ name, d });
    if (d.onPacket) this.onPacketList.push(d);
    if (d.onFlowStart) this.onFlowStartList.push(d);
    if (d.onFlowEnd) this.onFlowEndList.push(d);
    if (d.onDns) this.onDnsList.push(d);
    if (d.onDeviceNew) this.onDeviceNewList.push(d);
    if (d.onTick) this.onTickList.push(d);
    if (d.onFinish) this.onFinishList.push(d);
  }

  onPacket(pv: PacketView, flow: Flow | null, dir: number, device: Device | null): void {
    const list = this.onPacketList;
    for (let i = 0; i < list.length; i++) list[i]!.onPacket!(pv, flow, dir, device);
    if (pv.ts >= this.nextTick) this.tick(pv.ts);
  }

  /** Runs the once-a-second work at packet time `now`. */
  tick(now: number): void {
    this.nextTick = now + 1e6;
    for (const d of this.onTickList) d.onTick!(now);
    this.alerts.expire(now);
    this.alerts.flush();
  }

  /** End of input: ends live flows (their onFlowEnd runs), onFinish, a last tick, pending writes. */
  finish(): void {
    this.pipeline.finish();
    const now = Math.max(this.pipeline.lastTs, 0);
    for (const d of this.onFinishList) d.onFinish!(now);
    this.tick(now);
  }

  /** State held by each detector (bounded by their caps). */
  stateSizes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { name, d } of this.detectors) if (d.stateSize) out[name] = d.stateSize();
    return out;
  }
}
