import {login} from '../api.js';
import {h, replace} from '../dom.js';

export async function render(ctx) {
  const next = ctx.query.get('next');
  const safeNext = next && next.startsWith('/') && !next.startsWith('//') ? next : '/runs';
  const error = h('div', {class: 'form-error', role: 'alert', id: 'login-error'});
  const input = h('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false',
    required: true, 'aria-describedby': 'token-help login-error'});
  const button = h('button', {type: 'submit', class: 'button button-primary'}, 'Sign in');
  const form = h('form', {class: 'login-form card', novalidate: true},
    h('h1', null, 'Sign in to sluice'),
    h('label', {for: 'token'}, 'API token'),
    input,
    h('p', {id: 'token-help', class: 'help'},
      'A token from ', h('code', null, 'sluice token create --role read'),
      ' or, for the first sign-in, the file ', h('code', null, 'admin.token'), ' in the data directory.'),
    error,
    button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const token = input.value.trim();
    if (!token) { error.textContent = 'Enter a token.'; input.focus(); return; }
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      await login(token);
      ctx.setAuthenticated(true);
      ctx.navigate(safeNext, {replace: true});
    } catch (failure) {
      error.textContent = failure.status === 401 || failure.status === 403
        ? 'That token was not accepted.' : `Sign-in failed: ${failure.message}`;
      button.disabled = false;
      button.textContent = 'Sign in';
      input.select();
      input.focus();
    }
  });
  replace(ctx.main, h('div', {class: 'login-page'}, form));
  input.focus();
}
