// The gateway on a live interface: capture through libpcap, the pipeline, the detectors and the
// MUD policy layer on packet time, alerts persisted to SQLite (and EVE), profiles fetched over
// verified HTTPS, and in enforce mode the policies applied to nftables. start() and stop().
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MudFetcher, parseMud } from '../../policies/index.js';
import { AlertManager } from '../alerts/alert-manager.js';
import { AlertStore } from '../alerts/alert-store.js';
import { EveWriter } from '../alerts/eve-writer.js';
import { LiveSource } from '../capture/live-source.js';
import type { GatewayConfig } from '../config/load-config.js';
import { DetectEngine } from '../detect/detect-engine.js';
import type { IntelDetector } from '../detect/detectors/intel-blocklist.js';
import { DETECTORS } from '../detect/registry.js';
import { NftEnforcer } from '../enforce/nft-enforcer.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { MudPolicy, type Enforcement, type ProfileFetcher } from '../policy/mud-policy.js';
import { ProfileStore } from '../policy/profile-store.js';
import type { MudUrlSource } from '../track/device.js';
import { parseMac } from '../decode/address-text.js';
import type { EventLog } from './event-log.js';

export class GatewayDaemon {
  readonly pipeline: Pipeline;
  readonly alerts: AlertManager;
  readonly engine: DetectEngine;
  readonly policy: MudPolicy;
  private readonly store: AlertStore;
  private readonly eve: EveWriter | null;
  private source: LiveSource | null = null;
  private running: Promise<unknown> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private enforcer: NftEnforcer | null = null;
  private readonly enforcement: Enforcement;

  constructor(private readonly cfg: Readonly<GatewayConfig>, private readonly log: EventLog) {
    mkdirSync(cfg.storage.dataDir, { recursive: true });
    this.store = new AlertStore(join(cfg.storage.dataDir, 'alerts.sqlite'));
    this.eve = cfg.storage.eve ? new EveWriter(cfg.storage.eve) : null;
    this.pipeline = new Pipeline(cfg.pipeline);
    this.alerts = new AlertManager(cfg.alerts, this.store);
    this.alerts.addListener((a, isNew) => {
      if (!isNew) return;
      this.eve?.write(a);
      log('alert', { alert: a });
    });
    this.engine = new DetectEngine(this.pipeline, DETECTORS, cfg.detect, this.alerts);
    this.pipeline.devices.addListener({
      onDeviceNew: (d) => log('device.new', { mac: d.mac, vendor: d.vendor }),
      onDeviceChange: (d, field) => {
        if (field === 'mudUrl') {
          log('device.mud-url', { mac: d.mac, mudUrl: d.mudUrl, source: d.mudUrlSource });
          this.saveMudUrls();
        }
      },
    });
    const profiles = new ProfileStore();
    if (cfg.policy.profilesDir) profiles.loadDir(cfg.policy.profilesDir);
    for (const [mac, file] of Object.entries(cfg.policy.bindings)) {
      try {
        profiles.bind(mac, file);
      } catch (e) {
        log('profile.refused', { mac, file, error: (e as Error).message });
      }
    }
    for (const r of profiles.refused) log('profile.refused', { file: r.file, errors: r.errors });
    // Enforcement goes through a forwarder so the enforcer can be loaded (and nft found) at start().
    this.enforcement = {
      apply: async (policies, quarantined) => {
        if (this.enforcer === null) return;
        await this.enforcer.apply(policies, quarantined);
        log('enforce.applied', { devices: policies.length, quarantined: quarantined.length });
      },
      addDeviceAddress: (mac, family, address) => this.enforcer?.addDeviceAddress(mac, family, address),
      addDnsAddress: (name, family, address, ttl) => this.enforcer?.addDnsAddress(name, family, address, ttl),
    };
    this.policy = new MudPolicy(
      this.engine.host, cfg.policy, profiles, cfg.policy.mode === 'enforce' ? this.enforcement : null, this.fetcher(), log,
    );
    this.engine.add('mudPolicy', this.policy);
  }

  /** Where the MUD URLs devices announced are kept across restarts. */
  private get stateFile(): string {
    return join(this.cfg.storage.dataDir, 'mud-urls.json');
  }

  /** Writes MAC → announced MUD URL (atomically: temp file, then rename). */
  private saveMudUrls(): void {
    const urls: Record<string, { url: string; source: MudUrlSource | null }> = {};
    for (const d of this.pipeline.devices.all()) if (d.mudUrl !== null && d.mudUrlSource !== 'config') urls[d.mac] = { url: d.mudUrl, source: d.mudUrlSource };
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(urls, null, 1));
    renameSync(tmp, this.stateFile);
  }

  /**
   * Restart re-applies the state: devices that announced a MUD URL before are known again at once
   * (their profiles come from the cache), so enforcement does not wait for their next DHCP request.
   */
  private restoreMudUrls(): number {
    if (!existsSync(this.stateFile)) return 0;
    let urls: Record<string, { url?: unknown; source?: MudUrlSource | null }>;
    try {
      urls = JSON.parse(readFileSync(this.stateFile, 'utf8')) as typeof urls;
    } catch (e) {
      this.log('state.unreadable', { file: this.stateFile, error: (e as Error).message });
      return 0;
    }
    let n = 0;
    const now = Date.now() * 1000;
    for (const [mac, e] of Object.entries(urls)) {
      const d = this.pipeline.devices.ensure(parseMac(mac), now);
      if (d === null || typeof e?.url !== 'string') continue;
      this.pipeline.devices.set(d, 'mudUrlSource', e.source ?? null);
      this.pipeline.devices.set(d, 'mudUrl', e.url);
      n++;
    }
    return n;
  }

  /** The MUD fetcher of the config, or null when fetching is off. */
  private fetcher(): ProfileFetcher | null {
    const f = this.cfg.fetch;
    if (!f.enabled) return null;
    if (f.requireSignature && f.trustAnchors.length === 0) {
      // A signed profile cannot be checked without a trust anchor: fetch nothing rather than trust anything.
      this.log('fetch.disabled', { reason: 'fetch.requireSignature is on and fetch.trustAnchors is empty' });
      return null;
    }
    const read = (p: string) => readFileSync(p, 'utf8');
    return new MudFetcher({
      cacheDir: f.cacheDir || join(this.cfg.storage.dataDir, 'mud-cache'),
      extraCa: f.extraCa ? read(f.extraCa) : undefined,
      trustAnchors: f.trustAnchors.map(read),
      requireSignature: f.requireSignature,
      timeoutMs: f.timeoutMs,
      accept: (content) => {
        const r = parseMud(content.toString('utf8'));
        return r.ok ? { ok: true, cacheValidityHours: r.profile.cacheValidity, signatureUrl: r.profile.mudSignature } : { ok: false, reason: r.errors.map((e) => `${e.path}: ${e.message}`).join('; ') };
      },
    });
  }

  /** Opens the interface, applies the (empty) rule set in enforce mode, and starts processing. */
  async start(): Promise<void> {
    const c = this.cfg;
    if (c.policy.mode === 'enforce') {
      this.enforcer = new NftEnforcer({
        failMode: c.enforce.failMode, aliveTimeoutSeconds: c.enforce.aliveTimeoutSeconds, heartbeatSeconds: c.enforce.heartbeatSeconds,
        emergency: c.policy.emergency,
      });
      // The table is replaced in one transaction, then refilled as devices bind.
      await this.enforcement.apply(this.policy.policies(), []);
      this.enforcer.start();
    }
    const restored = this.restoreMudUrls();
    if (restored > 0) this.log('state.restored', { devices: restored });
    this.source = new LiveSource({ device: c.capture.interface, filter: c.capture.filter, snaplen: c.capture.snaplen, bufferSize: c.capture.bufferSize });
    const linkType = await this.source.open();
    this.running = this.source.run(this.pipeline.sink).catch((e: unknown) => this.log('capture.failed', { error: (e as Error).message }));
    // Live packet time is the wall clock: tick it when the link is quiet, so windows and flows still close.
    this.timer = setInterval(() => {
      const now = Date.now() * 1000;
      this.pipeline.flows.expire(now);
      this.engine.tick(now);
    }, 1000);
    this.log('started', { interface: c.capture.interface, linkType, mode: c.policy.mode, failMode: c.enforce.failMode, detectors: this.engine.detectors.length });
  }

  /** SIGHUP: re-reads the intel lists now (they are also re-read when their files change). */
  reload(): void {
    const intel = this.engine.detectors.find((d) => d.name === 'intel')?.d as IntelDetector | undefined;
    const status = intel?.reload() ?? [];
    this.log('reloaded', { intel: status.map((st) => ({ file: st.file, addresses: st.addresses, networks: st.networks, domains: st.domains, invalid: st.invalid, error: st.error })) });
  }

  /** Stops capture, ends the flows, writes pending alerts, and leaves nftables as failMode says. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.source?.stop();
    await this.running;
    this.engine.finish();
    this.alerts.flush();
    await this.policy.settled();
    if (this.enforcer) await this.enforcer.stop();
    this.eve?.close();
    this.store.close();
    this.log('stopped', { packets: this.pipeline.packets, alerts: this.alerts.all().length });
  }
}
