import { useState } from 'preact/hooks';
import type { Me } from '../../../../../api/index.js';
import { ApiError, post } from '../../api.js';
import { useSubmit } from '../../hooks/submit.js';
import { useI18n } from '../../i18n.js';

export function LoginPage(p: { onLogin: (me: Me) => void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const login = useSubmit(() => post('/api/login', { body: { username, password } }), p.onLogin,
    (err) => (err instanceof ApiError && err.code === 'EDUFLEET_ERR_AUTH_BAD_LOGIN' ? t('login.bad')
      : err instanceof ApiError && err.code === 'EDUFLEET_ERR_AUTH_RATE_LIMITED' ? t('login.limited')
        : t('login.failed', { message: (err as Error).message })));
  const { busy, error } = login;

  const submit = (e: Event) => {
    e.preventDefault();
    void login.run();
  };

  return (
    <main class="login">
      <form class="card login-card" onSubmit={submit} data-testid="login-form">
        <div class="brand brand-large">Edu<b>Fleet</b></div>
        <p class="muted">{t('app.tagline')}</p>
        <h1>{t('login.title')}</h1>
        <label>
          {t('login.username')}
          <input data-testid="login-username" autoComplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required />
        </label>
        <label>
          {t('login.password')}
          <input data-testid="login-password" type="password" autoComplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
        </label>
        {error && <p class="error" role="alert" data-testid="login-error">{error}</p>}
        <button class="primary" type="submit" disabled={busy} data-testid="login-submit">{busy ? t('login.busy') : t('login.submit')}</button>
      </form>
    </main>
  );
}
