// Reads the config file (JSON), checks it against the defaults' shape — no unknown keys, right
// types, every error reported at once with its path — and returns the frozen result. Sections:
// decode, flows, devices, dns (the pipeline), detect.<detector> (thresholds, `enabled`), alerts.
import { readFileSync } from 'node:fs';
import { ALERTS_DEFAULTS, type AlertsConfig } from '../alerts/alert-manager.js';
import { isRuleId, SEVERITIES, type RuleId, type Severity } from '../alerts/rules.js';
import type { DetectConfig } from '../detect/detect-engine.js';
import { DETECTORS } from '../detect/registry.js';
import { POLICY_DEFAULTS, type PolicyConfig } from '../policy/policy-config.js';
import { DAEMON_SECTIONS, type CaptureConfig, type EnforceConfig, type FetchConfig, type StorageConfig } from './daemon-config.js';
import { PIPELINE_DEFAULTS, pipelineConfig, type Overrides, type PipelineConfig } from './pipeline-config.js';

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

/** Checks a parsed config object; returns the merged, frozen config or throws ConfigError. */
export function validateConfig(raw: unknown, source = 'config'): Readonly<GatewayConfig> {
  if (!isObj(raw)) throw new ConfigError([`${source}: must be a JSON object`]);
  const problems: string[] = [];
  const pipelineRaw: Record<string, unknown> = {};
  const defaults = PIPELINE_DEFAULTS as unknown as Record<string, Record<string, unknown>>;
  const own = new Set(['detect', 'alerts', 'policy', ...Object.keys(DAEMON_SECTIONS)]);
  const sections = [...Object.keys(defaults), ...own];
  const daemon: Record<string, Record<string, unknown>> = {};
  for (const [name, d] of Object.entries(DAEMON_SECTIONS)) {
    const v = raw[name];
    if (v === undefined) { daemon[name] = d as Record<string, unknown>; continue; }
    if (!isObj(v)) { problems.push(`${name}: must be an object`); continue; }
    for (const [key, x] of Object.entries(v)) {
      const dv = (d as Record<string, unknown>)[key];
      if (dv === undefined) { problems.push(`${name}.${key}: unknown key (known: ${Object.keys(d).join(', ')})`); continue; }
      const p = typeProblem(`${name}.${key}`, dv, x);
      if (p) problems.push(p);
    }
    if (name === 'enforce' && v.failMode !== undefined && v.failMode !== 'open' && v.failMode !== 'closed') problems.push('enforce.failMode: must be open or closed');
    daemon[name] = Object.freeze({ ...d, ...v });
  }
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
        detect[name] = value as DetectConfig[string];
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
  });
}

/** Loads and validates a JSON config file. */
export function loadConfigFile(path: string): Readonly<GatewayConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([`${path}: ${(e as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([`${path}: not valid JSON: ${(e as Error).message}`]);
  }
  return validateConfig(raw, path);
}
