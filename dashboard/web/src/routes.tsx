import type { ComponentChild } from 'preact';
import type { Me, Permissions } from '../../../api/index.js';
import { useI18n, type MessageKey } from './i18n.js';
import { ApiTokensPage } from './features/api-tokens/tokens-page.js';
import { IntegrationsPage } from './features/integrations/integrations-page.js';
import { AlertRulesPage } from './features/alert-rules/alert-rules-page.js';
import { AlertDetailPage } from './features/alerts/alert-detail.js';
import { AlertsPage } from './features/alerts/alerts-page.js';
import { AuditPage } from './features/audit/audit-page.js';
import { CommandsPage } from './features/commands/commands-page.js';
import { RunPage } from './features/commands/run-page.js';
import { DevicePage } from './features/device/device-page.js';
import { DevicesPage } from './features/devices/devices-page.js';
import { EdgesPage } from './features/edges/edges-page.js';
import { EdgeImportPage } from './features/edge-import/edge-import-page.js';
import { HealthPage } from './features/health/health-page.js';
import { ImportPage } from './features/import/import-page.js';
import { KpiPage } from './features/kpi/kpi-page.js';
import { OverviewPage } from './features/overview/overview-page.js';
import { PlanningPage } from './features/planning/planning-page.js';
import { RecipientsPage } from './features/recipients/recipients-page.js';
import { SilencesPage } from './features/silences/silences-page.js';
import { RoomPage } from './features/room/room-page.js';
import { TimetablePage } from './features/timetable/timetable-page.js';
import { TreePage } from './features/tree/tree-page.js';
import { UsagePage } from './features/usage/usage-page.js';
import { UsersPage } from './features/users/users-page.js';

/** What a page is given: the user, the query string and the path's `:name` parts. */
export interface PageContext { me: Me; search: URLSearchParams; params: Record<string, string> }

export interface RouteDef {
  /** '/devices/:id': a `:name` part matches one path segment. */
  path: string;
  page: (c: PageContext) => ComponentChild;
  /** In the navigation bar, in this order; `section` also lights it on the paths below it (/devices/abc). */
  nav?: { label: MessageKey; testid: string; section?: boolean };
  /** Hidden from the navigation and not reachable without it (the server refuses the calls anyway). */
  permission?: keyof Permissions;
  /** The screen these users land on after logging in (the first route that says so; the overview otherwise). */
  home?: (me: Me) => boolean;
}

/** Every screen of the app: the router, the navigation and the guards all read this table. A new screen is one row. */
export const ROUTES: RouteDef[] = [
  { path: '/', page: () => <OverviewPage />, nav: { label: 'nav.overview', testid: 'nav-overview' } },
  { path: '/devices', page: (c) => <DevicesPage search={c.search} />, nav: { label: 'nav.devices', testid: 'nav-devices', section: true } },
  { path: '/devices/:id', page: (c) => <DevicePage key={c.params.id} id={c.params.id!} me={c.me} /> },
  // A technician's first question is what is broken in their schools (issue 10): they land here.
  { path: '/health', page: (c) => <HealthPage search={c.search} />, nav: { label: 'nav.health', testid: 'nav-health' }, permission: 'readAlerts', home: (me) => me.role === 'technician' },
  { path: '/rooms/:id', page: (c) => <RoomPage key={c.params.id} id={Number(c.params.id)} me={c.me} />, permission: 'readAlerts' },
  { path: '/tree', page: (c) => <TreePage me={c.me} search={c.search} />, nav: { label: 'nav.tree', testid: 'nav-tree' } },
  { path: '/alerts', page: (c) => <AlertsPage me={c.me} />, nav: { label: 'nav.alerts', testid: 'nav-alerts', section: true }, permission: 'readAlerts' },
  { path: '/alerts/:id', page: (c) => <AlertDetailPage key={c.params.id} me={c.me} id={Number(c.params.id)} />, permission: 'readAlerts' },
  { path: '/silences', page: (c) => <SilencesPage me={c.me} />, nav: { label: 'nav.silences', testid: 'nav-silences' }, permission: 'readAlerts' },
  { path: '/commands', page: (c) => <CommandsPage me={c.me} search={c.search} />, nav: { label: 'nav.commands', testid: 'nav-commands', section: true }, permission: 'sendCommands' },
  { path: '/commands/runs/:id', page: (c) => <RunPage key={c.params.id} id={Number(c.params.id)} />, permission: 'sendCommands' },
  { path: '/alert-rules', page: (c) => <AlertRulesPage me={c.me} />, nav: { label: 'nav.alertRules', testid: 'nav-alert-rules' }, permission: 'configureAlerts' },
  { path: '/recipients', page: (c) => <RecipientsPage me={c.me} />, nav: { label: 'nav.recipients', testid: 'nav-recipients' }, permission: 'configureAlerts' },
  { path: '/kpi', page: () => <KpiPage />, nav: { label: 'nav.kpi', testid: 'nav-kpi' } },
  { path: '/edges', page: (c) => <EdgesPage me={c.me} search={c.search} />, nav: { label: 'nav.edges', testid: 'nav-edges' }, permission: 'readEdges' },
  { path: '/edges/import', page: () => <EdgeImportPage />, nav: { label: 'nav.edgeImport', testid: 'nav-edge-import' }, permission: 'importEdges' },
  { path: '/usage', page: (c) => <UsagePage me={c.me} search={c.search} />, nav: { label: 'nav.usage', testid: 'nav-usage' } },
  { path: '/planning', page: (c) => <PlanningPage me={c.me} search={c.search} />, nav: { label: 'nav.planning', testid: 'nav-planning' } },
  { path: '/timetable', page: (c) => <TimetablePage key={c.search.get('schoolId') ?? ''} me={c.me} search={c.search} /> },
  { path: '/import', page: (c) => <ImportPage me={c.me} />, nav: { label: 'nav.import', testid: 'nav-import' }, permission: 'editRecords' },
  { path: '/users', page: (c) => <UsersPage me={c.me} />, nav: { label: 'nav.users', testid: 'nav-users' }, permission: 'manageUsers' },
  { path: '/tokens', page: () => <ApiTokensPage />, nav: { label: 'nav.tokens', testid: 'nav-tokens' }, permission: 'manageTokens' },
  { path: '/integrations', page: () => <IntegrationsPage />, nav: { label: 'nav.integrations', testid: 'nav-integrations' }, permission: 'manageIntegrations' },
  { path: '/audit', page: (c) => <AuditPage me={c.me} />, nav: { label: 'nav.audit', testid: 'nav-audit' }, permission: 'readAudit' },
];

export const allowed = (r: RouteDef, me: Me): boolean => !r.permission || me.permissions[r.permission];

/** Where `me` lands after logging in. */
export const homePath = (me: Me): string => ROUTES.find((r) => r.home?.(me) && allowed(r, me))?.path ?? '/';

/** The path's `:name` parts when `pattern` matches it, else null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(':')) {
      if (!got[i]) return null;
      params[want[i]!.slice(1)] = decodeURIComponent(got[i]!);
    } else if (want[i] !== got[i]) return null;
  }
  return params;
}

function Forbidden() {
  const { t } = useI18n();
  return <p class="error" data-testid="forbidden">{t('common.forbidden')}</p>;
}
const FORBIDDEN: RouteDef = { path: '', page: () => <Forbidden /> };

/**
 * The page for a path; an unknown path shows the overview. A screen the user may not see says so rather than showing
 * another one: a link shared by a colleague of another role otherwise looks like a broken page.
 */
export function resolve(path: string, me: Me): { route: RouteDef; params: Record<string, string> } {
  let barred = false;
  for (const route of ROUTES) {
    const params = matchPath(route.path, path);
    if (params && allowed(route, me)) return { route, params };
    if (params) barred = true;
  }
  return barred ? { route: FORBIDDEN, params: {} } : { route: ROUTES[0]!, params: {} };
}

/** Whether a navigation entry is the current one. */
export const isActive = (r: RouteDef, path: string): boolean => path === r.path || (Boolean(r.nav?.section) && path.startsWith(r.path + '/'));
