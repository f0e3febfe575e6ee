// c2.http: HTTP with several marks of malware command and control.
// A placeholder registered so the registry, rules and events are in place; its detector is being written.
import { plugin } from '../../sensor/plugin.js';

export const c2Http = plugin<Record<string, never>>({
  name: 'c2Http',
  rules: ['c2.http'],
  defaults: Object.freeze({}),
  create: () => ({}),
});
