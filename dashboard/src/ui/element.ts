// A tiny element builder: the dashboard is plain DOM, and every value from the gateway goes in as
// text (textContent, attributes), never as HTML, so device-supplied strings cannot inject markup.

export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** Attributes: `class`, `on<event>` handlers, DOM properties (value, checked, disabled, hidden), else attributes. */
export type Attrs = Record<string, AttrValue>;
/** An attribute or property value (null, undefined and false leave it unset), or an event handler. */
export type AttrValue = string | number | boolean | null | undefined | ((event: never) => unknown);

const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'multiple', 'htmlFor', 'title', 'tabIndex']);

export function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (isChildList(child)) {
    for (const c of child) append(parent, c);
    return;
  }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}

// Array.isArray does not narrow a union with a readonly array type; this does.
function isChildList(child: Child): child is readonly Child[] {
  return Array.isArray(child);
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = String(v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
      else if (PROPS.has(k)) (el as unknown as Record<string, unknown>)[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) append(el, c);
  return el;
}

/** Replaces the children of `el`. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.textContent = '';
  for (const c of children) append(el, c);
}

/** A <select> with (value, label) options. */
export function select(attrs: Attrs, options: readonly (readonly [string, string])[], value: string): HTMLSelectElement {
  const s = h('select', attrs, options.map(([v, l]) => h('option', { value: v }, l)));
  s.value = value;
  return s;
}
