// Reads the config file (YAML or JSON) and EDGEWARD_* environment variables, checks them against
// the defaults' shape — no unknown keys, right types, every error reported at once with its path —
// and returns the frozen result. Sections: decode, flows, devices, dns (the pipeline),
// detect.<detector> (thresholds, `enabled`), alerts, policy, and the daemon's flat sections.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ALERTS_DEFAULTS, type AlertsConfig } from '../alerts/alert-manager.js';
import { isRuleId, SEVERITIES, type RuleId, type Severity } from '../alerts/rules.js';
import type { PluginConfig as DetectConfig } from '../sensor/plugin.js';
import { parseMac } from '../common/address-text.js';
import type { PluginSpec } from '../sensor/plugin.js';
import type { EdgeLogsConfig } from '../edge-logs/edge-logs-config.js';
import { resolveEdgeSeverityMap } from '../edge-logs/log-severity-map.js';
import type { MetricsConfig } from '../metrics/metrics-config.js';
import type { SuppressionsConfig } from '../alerts/suppression-config.js';
import type { IncidentsConfig } from '../incidents/incidents-config.js';
import type { ExposureConfig } from '../exposure/exposure-config.js';
import { resolveAudit, type AuditConfig } from '../exposure/audit/audit-config.js';
import { resolveFleet, type FleetConfig } from '../fleet/fleet-config.js';
import { POLICY_DEFAULTS, type PolicyConfig } from '../policy/policy-config.js';
import { DAEMON_SECTIONS, type CaptureConfig, type DemoConfig, type EnforceConfig, type FetchConfig, type ServerConfig, type StorageConfig } from './daemon-config.js';
import { resolveRetention } from './retention-config.js';
import { PIPELINE_DEFAULTS, pipelineConfig, type Overrides, type PipelineConfig } from '../sensor/sensor-config.js';

/** A config that failed validation; `problems` lists every fault with its path. */
export class ConfigError extends Error {
  readonly code = 'config.invalid';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** The whole validated configuration. */
export interface GatewayConfig {
  pipeline: Readonly<PipelineConfig>;
  detect: DetectConfig;
  alerts: Readonly<AlertsConfig>;
  policy: Readonly<PolicyConfig>;
  capture: Readonly<CaptureConfig>;
  fetch: Readonly<FetchConfig>;
  enforce: Readonly<EnforceConfig>;
  storage: Readonly<StorageConfig>;
  server: Readonly<ServerConfig>;
  demo: Readonly<DemoConfig>;
  edgeLogs: Readonly<EdgeLogsConfig>;
  metrics: Readonly<MetricsConfig>;
  /** Alert suppression (gateway/alerts/suppression-config.ts). */
  suppressions: Readonly<SuppressionsConfig>;
  incidents: Readonly<IncidentsConfig>;
  /** The fleet link (gateway/fleet/fleet-config.ts); off by default. */
  fleet: Readonly<FleetConfig>;
  /** The exposure inventory (gateway/exposure/exposure-config.ts). */
  exposure: Readonly<ExposureConfig>;
  /** The opt-in exposure audit (gateway/exposure/audit/audit-config.ts): nobody consents by default. */
  audit: Readonly<AuditConfig>;
}

/** Defaults of everything. */
export const GATEWAY_DEFAULTS: Readonly<GatewayConfig> = Object.freeze({
  pipeline: PIPELINE_DEFAULTS, detect: Object.freeze({}), alerts: ALERTS_DEFAULTS, policy: POLICY_DEFAULTS, ...DAEMON_SECTIONS,
});

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks `value` against the type of the default `dv`; returns a problem or null. */
function typeProblem(path: string, dv: unknown, v: unknown): string | null {
  if (typeof dv === 'number') return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? null : `${path}: must be a non-negative number`;
  if (typeof dv === 'boolean') return typeof v === 'boolean' ? null : `${path}: must be true or false`;
  if (typeof dv === 'string') return typeof v === 'string' ? null : `${path}: must be a string`;
  if (Array.isArray(dv)) {
    // A list holds what its default holds (port numbers, file names); an empty default holds strings.
    const kind = dv.length > 0 ? typeof dv[0] : 'string';
    return Array.isArray(v) && v.every((x) => typeof x === kind) ? null : `${path}: must be a list of ${kind}s`;
  }
  return null;
}

/**
 * The plug-in kinds whose `detect.<name>` sections a config may hold. This folder knows no
 * detector: the composition root (gateway/plugins/gateway-config.ts) hands the registry in.
 */
export type DetectSpecs = readonly PluginSpec<object>[];

/** Checks a parsed config object against `specs` for `detect`; returns the merged, frozen config or throws ConfigError. */
export function validateConfigWith(specs: DetectSpecs, raw: unknown, source = 'config'): Readonly<GatewayConfig> {
  const DETECTORS = specs;
  if (!isObj(raw)) throw new ConfigError([`${source}: must be a JSON object`]);
  const problems: string[] = [];
  const pipelineRaw: Record<string, unknown> = {};
  const defaults = PIPELINE_DEFAULTS as unknown as Record<string, Record<string, unknown>>;
  const own = new Set(['detect', 'alerts', 'policy', ...Object.keys(DAEMON_SECTIONS)]);
  const sections = [...Object.keys(defaults), ...own];
  const daemon: Record<string, Record<string, unknown>> = {};
  for (const [name, d] of Object.entries(DAEMON_SECTIONS)) {
    const v = raw[name];
    if (v === undefined) { daemon[name] = d; continue; }
    if (!isObj(v)) { problems.push(`${name}: must be an object`); continue; }
    for (const [key, x] of Object.entries(v)) {
      const dv = (d as Record<string, unknown>)[key];
      if (dv === undefined) { problems.push(`${name}.${key}: unknown key (known: ${Object.keys(d).join(', ')})`); continue; }
      const p = typeProblem(`${name}.${key}`, dv, x);
      if (p) problems.push(p);
    }
    if (name === 'enforce' && v.failMode !== undefined && v.failMode !== 'open' && v.failMode !== 'closed') problems.push('enforce.failMode: must be open or closed');
    if (name === 'incidents' && v.openAtSeverity !== undefined && !SEVERITIES.includes(v.openAtSeverity as Severity)) problems.push(`incidents.openAtSeverity: must be one of ${SEVERITIES.join(', ')}`);
    daemon[name] = Object.freeze({ ...d, ...v });
  }
  // storage.retention is nested, and its row bounds have older names (flowsKept, streamKept, edgeLogs.maxRows).
  const kept = resolveRetention(raw.storage, raw.edgeLogs, problems);
  daemon.storage = Object.freeze({ ...daemon.storage, retention: kept.retention, flowsKept: kept.flowsKept, streamKept: kept.streamKept });
  daemon.edgeLogs = Object.freeze({ ...daemon.edgeLogs, maxRows: kept.edgeLogsMaxRows });
  // edgeLogs.severityMap is an object: its keys and grades are checked, and the defaults fill what it leaves out.
  const rawEdgeLogs = raw.edgeLogs;
  daemon.edgeLogs = Object.freeze({ ...daemon.edgeLogs, severityMap: resolveEdgeSeverityMap(isObj(rawEdgeLogs) ? rawEdgeLogs.severityMap : undefined, problems) });
  // fleet.tls is nested, and an enabled fleet needs a valid site id, servers and consistent credentials.
  if (isObj(raw.fleet)) daemon.fleet = resolveFleet(raw.fleet, problems);
  // audit.consent holds MACs (a bad one is named with its index), audit.lists known list names.
  if (isObj(raw.audit)) daemon.audit = resolveAudit(raw.audit, problems);
  for (const [section, value] of Object.entries(raw)) {
    if (own.has(section)) continue;
    const d = defaults[section];
    if (d === undefined) { problems.push(`${section}: unknown key (known: ${sections.join(', ')})`); continue; }
    if (!isObj(value)) { problems.push(`${section}: must be an object`); continue; }
    for (const [key, v] of Object.entries(value)) {
      if (!(key in d)) { problems.push(`${section}.${key}: unknown key (known: ${Object.keys(d).join(', ')})`); continue; }
      const p = typeProblem(`${section}.${key}`, d[key], v);
      if (p) problems.push(p);
    }
    pipelineRaw[section] = value;
  }
  const flows = pipelineRaw.flows as { maxFlows?: unknown } | undefined;
  if (typeof flows?.maxFlows === 'number' && flows.maxFlows < 1) problems.push('flows.maxFlows: must be at least 1');
  const privacy = pipelineRaw.privacy as { excludeDevices?: unknown } | undefined;
  if (Array.isArray(privacy?.excludeDevices)) {
    for (const m of privacy.excludeDevices) if (typeof m === 'string' && parseMac(m) < 0) problems.push(`privacy.excludeDevices: "${m}" is not a MAC address`);
  }

  const detect: DetectConfig = {};
  if (raw.detect !== undefined) {
    if (!isObj(raw.detect)) problems.push('detect: must be an object');
    else {
      for (const [name, value] of Object.entries(raw.detect)) {
        const spec = DETECTORS.find((s) => s.name === name);
        if (!spec) { problems.push(`detect.${name}: unknown detector (known: ${DETECTORS.map((s) => s.name).join(', ')})`); continue; }
        if (!isObj(value)) { problems.push(`detect.${name}: must be an object`); continue; }
        const d = spec.defaults as Record<string, unknown>;
        for (const [key, v] of Object.entries(value)) {
          if (key === 'enabled') { if (typeof v !== 'boolean') problems.push(`detect.${name}.enabled: must be true or false`); continue; }
          if (!(key in d)) { problems.push(`detect.${name}.${key}: unknown key (known: enabled, ${Object.keys(d).join(', ')})`); continue; }
          const p = typeProblem(`detect.${name}.${key}`, d[key], v);
          if (p) problems.push(p);
        }
        detect[name] = value;
      }
    }
  }

  let alerts: AlertsConfig = ALERTS_DEFAULTS;
  if (raw.alerts !== undefined) {
    if (!isObj(raw.alerts)) problems.push('alerts: must be an object');
    else {
      const a = raw.alerts;
      const severity: Partial<Record<RuleId, Severity>> = {};
      for (const [key, v] of Object.entries(a)) {
        if (key === 'severity') {
          if (!isObj(v)) { problems.push('alerts.severity: must be an object of rule id to severity'); continue; }
          for (const [rule, sev] of Object.entries(v)) {
            if (!isRuleId(rule)) problems.push(`alerts.severity.${rule}: unknown rule id`);
            else if (!SEVERITIES.includes(sev as Severity)) problems.push(`alerts.severity.${rule}: must be one of ${SEVERITIES.join(', ')}`);
            else severity[rule] = sev as Severity;
          }
        } else if (!(key in ALERTS_DEFAULTS)) problems.push(`alerts.${key}: unknown key (known: ${Object.keys(ALERTS_DEFAULTS).join(', ')})`);
        else {
          const p = typeProblem(`alerts.${key}`, (ALERTS_DEFAULTS as unknown as Record<string, unknown>)[key], v);
          if (p) problems.push(p);
        }
      }
      alerts = Object.freeze({ ...ALERTS_DEFAULTS, ...(a as Partial<AlertsConfig>), severity: Object.freeze(severity) });
    }
  }
  let policy: PolicyConfig = POLICY_DEFAULTS;
  if (raw.policy !== undefined) {
    if (!isObj(raw.policy)) problems.push('policy: must be an object');
    else {
      const pr = raw.policy;
      const d = POLICY_DEFAULTS as unknown as Record<string, unknown>;
      for (const [key, v] of Object.entries(pr)) {
        const path = `policy.${key}`;
        if (!(key in d)) problems.push(`${path}: unknown key (known: ${Object.keys(d).join(', ')})`);
        else if (key === 'mode' && v !== 'monitor' && v !== 'enforce') problems.push(`${path}: must be monitor or enforce`);
        else if (key === 'noProfile' && v !== 'allow' && v !== 'quarantine') problems.push(`${path}: must be allow or quarantine`);
        else if (key === 'bindings' && !(isObj(v) && Object.values(v).every((x) => typeof x === 'string'))) problems.push(`${path}: must map MAC addresses to MUD file paths`);
        else if ((key === 'controllers' || key === 'myControllers') && !(isObj(v) && Object.values(v).every((x) => Array.isArray(x) && x.every((y) => typeof y === 'string')))) problems.push(`${path}: must map URIs to lists of addresses`);
        else if (key === 'learn' && !(Array.isArray(v) && v.every((x) => typeof x === 'string' && parseMac(x) >= 0))) problems.push(`${path}: must be a list of MAC addresses`);
        else if (Array.isArray(d[key]) || typeof d[key] === 'string') { const p = typeProblem(path, d[key], v); if (p) problems.push(p); }
      }
      policy = Object.freeze({ ...POLICY_DEFAULTS, ...(pr as Partial<PolicyConfig>) });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${source}: ${p}`));
  return Object.freeze({
    pipeline: pipelineConfig(pipelineRaw as Overrides<PipelineConfig>), detect: Object.freeze(detect), alerts, policy,
    capture: daemon.capture as unknown as CaptureConfig, fetch: daemon.fetch as unknown as FetchConfig,
    enforce: daemon.enforce as unknown as EnforceConfig, storage: daemon.storage as unknown as StorageConfig,
    server: daemon.server as unknown as ServerConfig, demo: daemon.demo as unknown as DemoConfig,
    edgeLogs: daemon.edgeLogs as unknown as EdgeLogsConfig, metrics: daemon.metrics as unknown as MetricsConfig,
    suppressions: daemon.suppressions as unknown as SuppressionsConfig,
    incidents: daemon.incidents as unknown as IncidentsConfig,
    fleet: daemon.fleet as unknown as FleetConfig,
    exposure: daemon.exposure as unknown as ExposureConfig,
    audit: daemon.audit as unknown as AuditConfig,
  });
}

/** Parses config text: YAML (a superset of JSON) unless the file is named *.json. */
function parseConfigText(text: string, path: string): unknown {
  if (/\.json$/i.test(path)) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new ConfigError([`${path}: not valid JSON: ${(e as Error).message}`]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${path}: not valid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}${e.linePos ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : ''}`));
  }
  const v: unknown = doc.toJS();
  // An empty file is an empty config.
  return v === null || v === undefined ? {} : v;
}

const ENV_PREFIX = 'EDGEWARD_';
/** Variables of that prefix that are not settings (read where they are used). */
const ENV_NOT_SETTINGS = new Set(['EDGEWARD_ADMIN_TOKEN', 'EDGEWARD_CONFIG']);

/** `data_dir` and `dataDir` and `DATADIR` name the same key. */
const squash = (s: string) => s.replace(/_/g, '').toLowerCase();

/** Text of an environment variable as the type of the key's default. */
function envValue(name: string, dv: unknown, text: string, problems: string[]): unknown {
  if (typeof dv === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) problems.push(`${name}: must be a number`);
    return n;
  }
  if (typeof dv === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
    problems.push(`${name}: must be true or false`);
    return text;
  }
  if (Array.isArray(dv)) {
    const items = text.split(',').map((x) => x.trim()).filter((x) => x !== '');
    return typeof dv[0] === 'number' ? items.map(Number) : items;
  }
  return text;
}

/**
 * Overlays EDGEWARD_<SECTION>_<KEY> variables on a raw config (before validation):
 * EDGEWARD_SERVER_PORT=9090 sets server.port, EDGEWARD_STORAGE_DATA_DIR sets storage.dataDir.
 * Values take the type of the key's default (lists are comma-separated). Only the flat daemon
 * sections and the pipeline sections are reachable this way; a variable naming no setting is an error
 * (a typo must not be silently ignored).
 */
export function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const problems: string[] = [];
  const out: Record<string, unknown> = { ...raw };
  const sections: Record<string, Record<string, unknown>> = {
    ...(PIPELINE_DEFAULTS as unknown as Record<string, Record<string, unknown>>),
    ...(DAEMON_SECTIONS as unknown as Record<string, Record<string, unknown>>),
  };
  const names = Object.keys(env).filter((n) => n.startsWith(ENV_PREFIX) && !ENV_NOT_SETTINGS.has(n)).sort();
  for (const name of names) {
    const rest = name.slice(ENV_PREFIX.length);
    // The section is the prefix up to some underscore (EDGE_LOGS or EDGELOGS for edgeLogs), the key the rest.
    let section: string | undefined;
    let key: string | undefined;
    for (let i = rest.indexOf('_'); i > 0 && key === undefined; i = rest.indexOf('_', i + 1)) {
      section = Object.keys(sections).find((s) => s.toLowerCase() === squash(rest.slice(0, i)));
      if (section !== undefined) key = Object.keys(sections[section]!).find((k) => k.toLowerCase() === squash(rest.slice(i + 1)));
    }
    if (section === undefined || key === undefined) {
      problems.push(`${name}: names no setting (EDGEWARD_<SECTION>_<KEY>, e.g. EDGEWARD_SERVER_PORT)`);
      continue;
    }
    const cur = isObj(out[section]) ? (out[section] as Record<string, unknown>) : {};
    out[section] = { ...cur, [key]: envValue(name, sections[section]![key], env[name]!, problems) };
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `environment: ${p}`));
  return out;
}

/**
 * The configuration of a run: the file (if any), then the environment over it, validated together
 * so that every problem of both is reported at once.
 */
export function loadConfigWith(specs: DetectSpecs, path: string | undefined, env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  let raw: unknown = {};
  const problems: string[] = [];
  if (path !== undefined) {
    try {
      raw = readConfigRaw(path);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(...e.problems);
    }
  }
  let merged: Record<string, unknown> = isObj(raw) ? raw : {};
  try {
    merged = applyEnv(merged, env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  let cfg: Readonly<GatewayConfig> | null = null;
  try {
    cfg = validateConfigWith(specs, isObj(raw) ? merged : raw, path ?? 'config');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    problems.push(...e.problems);
  }
  if (problems.length > 0 || cfg === null) throw new ConfigError(problems);
  return cfg;
}

function readConfigRaw(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([`${path}: ${(e as Error).message}`]);
  }
  return parseConfigText(text, path);
}

/** Loads and validates a config file (YAML or JSON), without the environment. */
export function loadConfigFileWith(specs: DetectSpecs, path: string): Readonly<GatewayConfig> {
  return validateConfigWith(specs, readConfigRaw(path), path);
}
