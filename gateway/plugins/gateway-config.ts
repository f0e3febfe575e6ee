// The gateway's config as the product reads it: the generic loader of gateway/config/ checked
// against the detector registry. The composition roots (cli, daemon) and the tests import the
// loader from here, so that gateway/config/ itself knows no detector.
import type { GatewayConfig } from '../config/load-config.js';
import { loadConfigFileWith, loadConfigWith, validateConfigWith } from '../config/load-config.js';
import { DETECTORS } from '../detect/registry.js';

/** Checks a parsed config object; returns the merged, frozen config or throws ConfigError. */
export function validateConfig(raw: unknown, source = 'config'): Readonly<GatewayConfig> {
  return validateConfigWith(DETECTORS, raw, source);
}

/** The config of a run: the file (if any), then the environment over it, checked together. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  return loadConfigWith(DETECTORS, path, env);
}

/** Loads and checks a config file (YAML or JSON), without the environment. */
export function loadConfigFile(path: string): Readonly<GatewayConfig> {
  return loadConfigFileWith(DETECTORS, path);
}
