// The sign-in page: one API token field. The gateway prints an admin token on its first start;
// `edgeward token create` makes analyst and vendor tokens.
import { signIn, SignInError, type Session } from '../api/session';
import { h } from '../ui/element';
import type { View } from './view';

export interface SignInOptions {
  token?: string;
  error?: string;
  onSignedIn(session: Session): void;
}

export function signInView(o: SignInOptions): View {
  const input = h('input', {
    type: 'password', class: 'input', id: 'token', 'data-testid': 'token-input', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'ew_…', value: o.token ?? '', 'aria-label': 'API token',
  });
  const button = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'sign-in' }, 'Sign in');
  const errorBox = h('div', { class: 'signin-error-box' });
  const showError = (msg: string | null): void => {
    errorBox.replaceChildren(...(msg === null ? [] : [h('p', { class: 'form-error', 'data-testid': 'sign-in-error', role: 'alert' }, msg)]));
  };
  showError(o.error ?? null);
  const form = h('form', { class: 'signin-card', novalidate: true },
    h('div', { class: 'brand brand-lg' }, h('span', { class: 'brand-mark' }, '◆'), ' edgeward'),
    h('p', { class: 'muted' }, 'IoT secure gateway — SOC dashboard'),
    h('label', { for: 'token' }, 'API token'),
    input,
    errorBox,
    button,
    h('p', { class: 'hint' }, 'The gateway prints an admin token on its first start. More tokens: ',
      h('code', null, 'edgeward token create --role analyst'), ' or ', h('code', null, '--role vendor --vendor example.com'), '.'),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    button.disabled = true;
    showError(null);
    signIn(input.value).then(
      (s) => o.onSignedIn(s),
      (e: unknown) => {
        button.disabled = false;
        showError(e instanceof SignInError ? e.message : String(e));
        input.select();
      },
    );
  });
  const el = h('main', { class: 'signin' }, form);
  queueMicrotask(() => input.focus());
  return { el, destroy() {} };
}
