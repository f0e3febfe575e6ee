// scan.arp: one LAN host asking ARP for many addresses.
// A placeholder registered so the registry, rules and events are in place; its detector is being written.
import { plugin } from '../../sensor/plugin.js';

export const scanArp = plugin<Record<string, never>>({
  name: 'scanArp',
  rules: ['scan.arp'],
  defaults: Object.freeze({}),
  create: () => ({}),
});
