import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../../../api/index.js';
import { get, post, setUnauthorizedHandler } from './api.js';
import { Link } from './ui/link.js';
import { clearCaches } from './data.js';
import { setLang, useI18n } from './i18n.js';
import { connectLive, disconnectLive, useLiveConnected } from './live.js';
import { LoginPage } from './features/login/login-page.js';
import { navigate, useLocation } from './router.js';
import { allowed, homePath, isActive, resolve, ROUTES } from './routes.js';

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const loc = useLocation();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      disconnectLive();
      setMe(null);
    });
    get('/api/me').then(setMe, () => setMe(null));
  }, []);
  useEffect(() => {
    if (me) connectLive();
  }, [me]);

  if (me === undefined) return null;
  if (me === null) {
    return (
      <>
        <LangSwitch floating />
        <LoginPage onLogin={(m) => { clearCaches(); setMe(m); if (loc.path === '/login' || loc.path === '/') navigate(homePath(m), true); }} />
      </>
    );
  }
  const logout = async () => {
    await post('/api/logout').catch(() => {}); // an expired session is logged out already
    disconnectLive();
    clearCaches();
    setMe(null);
  };
  const { route, params } = resolve(loc.path, me);
  const page = route.page({ me, search: loc.search, params });
  return (
    <>
      <Header me={me} path={loc.path} onLogout={logout} />
      <main class="content">{page}</main>
    </>
  );
}

function Header(p: { me: Me; path: string; onLogout: () => void }) {
  const { t } = useI18n();
  const connected = useLiveConnected();
  return (
    <header class="topbar">
      <div class="brand">Edu<b>Fleet</b></div>
      <nav>
        {ROUTES.filter((r) => r.nav && allowed(r, p.me)).map((r) => (
          <Link key={r.path} to={r.path} class={isActive(r, p.path) ? 'active' : ''} testid={r.nav!.testid}>{t(r.nav!.label)}</Link>
        ))}
      </nav>
      <div class="topbar-right">
        <span class={`conn ${connected ? 'up' : 'down'}`} data-testid="conn-status" data-connected={String(connected)}>
          <i class="dot" />{connected ? t('conn.live') : t('conn.down')}
        </span>
        <span class="user" data-testid="current-user">{p.me.displayName} · <span class="muted">{t(`role.${p.me.role}`)}</span></span>
        <LangSwitch />
        <button class="link-button" data-testid="logout" onClick={p.onLogout}>{t('nav.logout')}</button>
      </div>
    </header>
  );
}

function LangSwitch(p: { floating?: boolean }) {
  const { lang, t } = useI18n();
  return (
    <button class={`lang-switch ${p.floating ? 'floating' : ''}`} data-testid="lang-switch" title={t('lang.switchTitle')}
      onClick={() => setLang(lang === 'vi' ? 'en' : 'vi')}>
      {t('lang.switch')}
    </button>
  );
}
