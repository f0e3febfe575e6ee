// The `incidents` config section: its defaults, and every fault reported with its path.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../gateway/config/load-config.js';
import { INCIDENTS_DEFAULTS } from '../../gateway/incidents/incidents-config.js';
import { validateConfig } from '../../gateway/plugins/gateway-config.js';

describe('config incidents', () => {
  it('defaults to a 30-minute gap, medium to open, 1000 open incidents held', () => {
    expect(validateConfig({}).incidents).toEqual(INCIDENTS_DEFAULTS);
    expect(INCIDENTS_DEFAULTS).toMatchObject({ enabled: true, gapSeconds: 1800, openAtSeverity: 'medium', maxOpen: 1000 });
    expect(validateConfig({ incidents: { gapSeconds: 600, openAtSeverity: 'high' } }).incidents).toMatchObject({ gapSeconds: 600, openAtSeverity: 'high', maxOpen: 1000 });
  });

  it('refuses a bad severity, a negative gap and an unknown key, all at once', () => {
    let err: unknown;
    try {
      validateConfig({ incidents: { openAtSeverity: 'urgent', gapSeconds: -1, window: 5 } }, 'c.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      'c.json: incidents.gapSeconds: must be a non-negative number',
      'c.json: incidents.window: unknown key (known: enabled, gapSeconds, openAtSeverity, maxOpen, maxAlertsPerIncident, maxLogsPerIncident, logSeverityAtMost)',
      'c.json: incidents.openAtSeverity: must be one of low, medium, high, critical',
    ]);
  });
});
