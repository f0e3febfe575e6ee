// Reads the config file (JSON), checks it against the defaults' shape — no unknown keys, right
// types, every error reported at once with its path — and returns the frozen result.
import { readFileSync } from 'node:fs';
import { PIPELINE_DEFAULTS, pipelineConfig, type Overrides, type PipelineConfig } from './pipeline-config.js';

/** A config that failed validation; `problems` lists every fault with its path. */
export class ConfigError extends Error {
  readonly code = 'config.invalid';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Checks a parsed config object; returns the merged, frozen pipeline config or throws ConfigError. */
export function validateConfig(raw: unknown, source = 'config'): Readonly<PipelineConfig> {
  const problems: string[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError([`${source}: must be a JSON object`]);
  const defaults = PIPELINE_DEFAULTS as unknown as Record<string, Record<string, unknown>>;
  for (const [section, value] of Object.entries(raw as Record<string, unknown>)) {
    const d = defaults[section];
    if (d === undefined) { problems.push(`${section}: unknown key (known: ${Object.keys(defaults).join(', ')})`); continue; }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) { problems.push(`${section}: must be an object`); continue; }
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const dv = d[key];
      const path = `${section}.${key}`;
      if (dv === undefined) problems.push(`${path}: unknown key (known: ${Object.keys(d).join(', ')})`);
      else if (typeof dv === 'number' && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) problems.push(`${path}: must be a non-negative number`);
      else if (Array.isArray(dv) && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) problems.push(`${path}: must be a list of strings`);
    }
  }
  const flows = (raw as { flows?: { maxFlows?: unknown } }).flows;
  if (typeof flows?.maxFlows === 'number' && flows.maxFlows < 1) problems.push('flows.maxFlows: must be at least 1');
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${source}: ${p}`));
  return pipelineConfig(raw as Overrides<PipelineConfig>);
}

/** Loads and validates a JSON config file. */
export function loadConfigFile(path: string): Readonly<PipelineConfig> {
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
