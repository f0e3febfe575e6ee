// The renderer the alert manager calls for every new alert (AlertManager.setRenderer): the rule's
// message template of rule-guidance.ts over the input, with the devices named from an inventory.
// The sensor builder plugs it in with the pipeline's inventory (sensor/sensor.ts), so the daemon,
// replay, bench and the rest word an alert the same.
import type { AlertRenderer } from './alert-manager.js';
import type { AlertInput } from './alert.js';
import { deviceName, type DeviceLookup } from './device-name.js';
import type { MessageContext } from './message-words.js';
import { RULE_GUIDANCE } from './rule-guidance.js';

/** A MAC in text form, as the inventory writes it. */
const MAC_TEXT = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** Words that say a template read a field that was not there. */
const BROKEN = /\bundefined\b|\bNaN\b|\[object /;

/**
 * The message of a new alert for `input`, its devices named through `lookup`; null when the rule's
 * template fails (it threw, or wrote "undefined"): the raiser's own message is kept then.
 */
export function renderAlertMessage(input: Readonly<AlertInput>, lookup: DeviceLookup): string | null {
  const facts = input.device !== null ? lookup(input.device) : undefined;
  const name = input.device !== null ? deviceName(input.device, facts) : null;
  const ips = facts?.ips ?? [];
  const ctx: MessageContext = {
    device: name,
    at(addr: unknown, otherwise = 'an unknown host'): string {
      if (typeof addr !== 'string' || addr === '') return otherwise;
      return name !== null && ips.includes(addr) ? `${name} (${addr})` : addr;
    },
    nameOf(mac: unknown): string | null {
      if (typeof mac !== 'string' || !MAC_TEXT.test(mac)) return null;
      return deviceName(mac, lookup(mac));
    },
  };
  let text: string;
  try {
    text = RULE_GUIDANCE[input.rule].message(input, ctx);
  } catch {
    return null;
  }
  // Quoted text (a URI, a log line) is left as it came: only the ends are trimmed.
  text = text.trim();
  // The device's own name is not the template's fault (a camera may call itself "NaN-cam").
  if (text === '' || BROKEN.test(name !== null ? text.split(name).join('') : text)) return null;
  // Every message names its device: a template that told only addresses the inventory could not tie to it gets the name added.
  if (name !== null && !text.includes(name)) text += ` [${name}]`;
  return text;
}

/** A renderer for AlertManager.setRenderer over `lookup`. */
export function alertRenderer(lookup: DeviceLookup): AlertRenderer {
  return (input) => renderAlertMessage(input, lookup);
}
