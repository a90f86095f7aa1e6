import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../../../api/index.js';
import { api, setUnauthorizedHandler } from './api.js';
import { Link } from './components/link.js';
import { clearCaches } from './data.js';
import { setLang, useI18n } from './i18n.js';
import { connectLive, disconnectLive, useLiveConnected } from './live.js';
import { AuditPage } from './pages/audit.js';
import { DevicePage } from './pages/device.js';
import { DevicesPage } from './pages/devices.js';
import { KpiPage } from './pages/kpi.js';
import { LoginPage } from './pages/login.js';
import { ImportPage } from './pages/import.js';
import { OverviewPage } from './pages/overview.js';
import { PlanningPage } from './pages/planning.js';
import { TimetablePage } from './pages/timetable.js';
import { UsagePage } from './pages/usage.js';
import { TreePage } from './pages/tree.js';
import { UsersPage } from './pages/users.js';
import { navigate, useLocation } from './router.js';

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const loc = useLocation();

  useEffect(() => {
    setUnauthorizedHandler(() => {
      disconnectLive();
      setMe(null);
    });
    api<Me>('/api/me').then(setMe, () => setMe(null));
  }, []);
  useEffect(() => {
    if (me) connectLive();
  }, [me]);

  if (me === undefined) return null;
  if (me === null) {
    return (
      <>
        <LangSwitch floating />
        <LoginPage onLogin={(m) => { clearCaches(); setMe(m); if (loc.path === '/login') navigate('/', true); }} />
      </>
    );
  }
  const logout = async () => {
    await api('/api/logout', { method: 'POST' }).catch(() => {});
    disconnectLive();
    clearCaches();
    setMe(null);
  };
  const deviceMatch = /^\/devices\/([^/]+)$/.exec(loc.path);
  let page;
  if (deviceMatch) page = <DevicePage id={decodeURIComponent(deviceMatch[1]!)} />;
  else if (loc.path === '/devices') page = <DevicesPage search={loc.search} />;
  else if (loc.path === '/kpi') page = <KpiPage />;
  else if (loc.path === '/usage') page = <UsagePage me={me} search={loc.search} />;
  else if (loc.path === '/planning') page = <PlanningPage me={me} search={loc.search} />;
  else if (loc.path === '/timetable') page = <TimetablePage me={me} search={loc.search} />;
  else if (loc.path === '/tree') page = <TreePage me={me} search={loc.search} />;
  else if (loc.path === '/import' && me.permissions.editRecords) page = <ImportPage me={me} />;
  else if (loc.path === '/users' && me.permissions.manageUsers) page = <UsersPage me={me} />;
  else if (loc.path === '/audit' && me.permissions.readAudit) page = <AuditPage me={me} />;
  else page = <OverviewPage />;
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
  const nav = (to: string, label: string, testid: string, active: boolean) => (
    <Link to={to} class={active ? 'active' : ''} testid={testid}>{label}</Link>
  );
  return (
    <header class="topbar">
      <div class="brand">Edu<b>Fleet</b></div>
      <nav>
        {nav('/', t('nav.overview'), 'nav-overview', p.path === '/')}
        {nav('/devices', t('nav.devices'), 'nav-devices', p.path.startsWith('/devices'))}
        {nav('/tree', t('nav.tree'), 'nav-tree', p.path === '/tree')}
        {nav('/kpi', t('nav.kpi'), 'nav-kpi', p.path === '/kpi')}
        {nav('/usage', t('nav.usage'), 'nav-usage', p.path === '/usage')}
        {nav('/planning', t('nav.planning'), 'nav-planning', p.path === '/planning')}
        {p.me.permissions.editRecords && nav('/import', t('nav.import'), 'nav-import', p.path === '/import')}
        {p.me.permissions.manageUsers && nav('/users', t('nav.users'), 'nav-users', p.path === '/users')}
        {p.me.permissions.readAudit && nav('/audit', t('nav.audit'), 'nav-audit', p.path === '/audit')}
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
