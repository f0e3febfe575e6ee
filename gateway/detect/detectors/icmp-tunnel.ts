// icmp.tunnel: ICMP echo traffic carrying a tunnel.
// A placeholder registered so the registry, rules and events are in place; its detector is being written.
import { plugin } from '../../sensor/plugin.js';

export const icmpTunnel = plugin<Record<string, never>>({
  name: 'icmpTunnel',
  rules: ['icmp.tunnel'],
  defaults: Object.freeze({}),
  create: () => ({}),
});
