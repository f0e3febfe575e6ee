// scan.icmp: one source sweeping many hosts with ICMP requests.
// A placeholder registered so the registry, rules and events are in place; its detector is being written.
import { plugin } from '../../sensor/plugin.js';

export const scanIcmp = plugin<Record<string, never>>({
  name: 'scanIcmp',
  rules: ['scan.icmp'],
  defaults: Object.freeze({}),
  create: () => ({}),
});
