import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../../../api/index.js';
import { get, post, setUnauthorizedHandler } from './api.js';
import { Link } from './ui/link.js';
import { clearCaches } from './data.js';
import { setLang, useI18n } from './i18n.js';
import { invalidate } from './hooks/query.js';
import { connectLive, disconnectLive, useLiveState } from './live.js';
import { LoginPage } from './features/login/login-page.js';
import { navigate, useLocation } from './router.js';
import { allowed, homePath, isActive, resolve, ROUTES } from './routes.js';

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const loc = useLocation();
  /** The session is over (a 401 on any request, or the live handshake refused): the login page again. */
  const sessionGone = () => {
    disconnectLive();
    setMe(null);
  };

  useEffect(() => {
    setUnauthorizedHandler(sessionGone);
    get('/api/me').then(setMe, () => setMe(null));
  }, []);
  useEffect(() => {
    // The live socket's refused handshake ends the session like a REST 401 does; after a gap in the live feed
    // (a dashboard restarted, HAProxy failing over) every read on screen is read again, as a reload would.
    if (me) connectLive({ onSessionGone: sessionGone, onResumed: () => invalidate('GET ') });
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
  const live = useLiveState();
  return (
    <header class="topbar">
      <div class="brand">Edu<b>Fleet</b></div>
      <nav>
        {ROUTES.filter((r) => r.nav && allowed(r, p.me)).map((r) => (
          <Link key={r.path} to={r.path} class={isActive(r, p.path) ? 'active' : ''} testid={r.nav!.testid}>{t(r.nav!.label)}</Link>
        ))}
      </nav>
      <div class="topbar-right">
        <span class={`conn ${live === 'live' ? 'up' : live}`} data-testid="conn-status" data-connected={String(live === 'live')} data-state={live}
          role="status" aria-live="polite">
          <i class="dot" />{t(`conn.${live}`)}
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
