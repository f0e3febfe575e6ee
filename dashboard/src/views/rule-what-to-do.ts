// "What to do" for an alert's rule, from the rule table the gateway serves (state/rule-guidance.ts):
// a paragraph that fills itself once the table is in (fetched once, then at once).
import { ruleGuidance } from '../state/rule-guidance';
import { h } from '../ui/element';
import type { ViewContext } from './view';

/** The heading and the paragraph of what to do about an alert of `rule`. */
export function ruleWhatToDo(ctx: ViewContext, rule: string): HTMLElement {
  const text = h('p', { class: 'pane-todo', 'data-testid': 'alert-what-to-do', 'data-rule': rule }, 'Loading…');
  void ruleGuidance(ctx.http).then(
    (rules) => { text.textContent = rules.get(rule)?.whatToDo ?? 'No guidance for this rule.'; },
    () => { text.textContent = 'Guidance unavailable.'; },
  );
  return h('div', { class: 'pane-guidance' }, h('h4', null, 'What to do'), text);
}
