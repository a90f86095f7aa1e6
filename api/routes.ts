/**
 * Every REST route of the dashboard, by method and path, with its params, query, body and answer. The server types its
 * handlers from this map (dashboard/server/route-types.ts) and the web client its calls (dashboard/web/src/api.ts),
 * so a changed shape fails the type check on both sides. `query` fields are as the client sends them (all optional
 * where the server has a default).
 */
import type { LoginInput, Me } from './auth.js';
import type { CreatedId } from './common.js';
import type { DeviceDetail, DeviceListQuery, DeviceListResponse, KindInfo } from './devices.js';
import type { ApplyImportInput, ImportJob, ImportStartQuery, PlacesImportJob } from './imports.js';
import type { EdgeListResponse, EdgeRegistrationInput, EdgeView } from './edges.js';
import type { EdgeImportJob, EdgeImportParams, EdgeImportStartQuery } from './edge-imports.js';
import type { KpiResponse } from './kpi.js';
import type { OverviewResponse } from './overview.js';
import type { DistrictInput, HierarchyResponse, RetiredResponse, RoomInput, SchoolInput, SiteInput, TreeQuery, TreeResponse } from './places.js';
import type {
  BulkProvisionInput, CredentialsResponse, DeviceRecord, DeviceRecordPatch, LabelsQuery, MaintenanceInput, MaintenanceResponse,
  NewDeviceInput, NewDeviceResponse, RevokedResponse,
} from './records.js';
import type {
  AckInput, AlertDetail, AlertListQuery, AlertListResponse, AlertRuleView, AlertView, BulkAckInput, BulkAckResponse, ResolveInput,
  RuleOverrideInput, RuleOverrideView, SilenceInput, SilenceView,
} from './alerts.js';
import type {
  DeviceEventsResponse, HealthListQuery, HealthListResponse, HealthSummaryQuery, HealthSummaryResponse, HistoryQuery, HistoryResponse,
  RoomHealthResponse,
} from './health.js';
import type {
  CommandListQuery, CommandView, RunDetail, RunListQuery, RunPreview, RunPreviewInput, RunView, ScheduleDetail, ScheduleInputBody,
  ScheduleListQuery, SchedulePreview, ScheduleView, SchoolCommandsQuery, SendCommandInput, StartRunInput,
} from './commands.js';
import type { AttemptsQuery, NewRecipientResponse, NotificationAttemptView, RecipientInput, RecipientView, RotatedSecretResponse } from './notifications.js';
import type { AuditQuery, AuditResponse, NewUserInput, UserPatch, UserRow } from './users.js';
import type { ApiTokenListResponse, ApiTokenView, NewApiTokenInput, NewApiTokenResponse } from './tokens.js';
import type {
  ExportInput, ExportJob, PlanningQuery, PlanningResponse, ReportSubscription, SubscriptionInput, TimetableInput, TimetableResponse,
  UsageQuery, UsageReport,
} from './usage.js';

/** A file answer (PDF, XLSX, CSV): the browser follows a link to it rather than parsing it. */
export type FileResponse = Uint8Array | string;

type IdParams = { id: number };
type DeviceIdParams = { id: string };
type JobIdParams = { id: string };

/** The routes of one level of the hierarchy: create, edit or move, retire and restore. */
type PlaceRoutes<P extends string, Create, Patch> = {
  [K in `POST /api/${P}`]: { body: Create; response: CreatedId };
} & {
  [K in `PATCH /api/${P}/:id`]: { params: IdParams; body: Patch; response: CreatedId };
} & {
  [K in `POST /api/${P}/:id/retire` | `POST /api/${P}/:id/restore`]: { params: IdParams; response: RetiredResponse };
};

/** One component of the process (broker, gateway, usage loop…) as /healthz lists it. */
export interface ComponentStatus {
  name: string;
  state: 'starting' | 'ok' | 'degraded' | 'stopped';
  /** ISO time the component entered this state. */
  since: string;
  /** The last error it met, kept after it recovered. */
  lastError?: { message: string; code?: string; at: string; context: string };
  /** Figures beside the state: the broker's connection cap and open-file limit, the spool's disk budget. */
  details?: Record<string, string | number | boolean>;
}

export interface HealthResponse {
  status: 'ok' | 'degraded';
  /** The process's `node.name` (a host name and pid unless configured). */
  node: { name: string };
  devices: number;
  influx?: 'ok' | 'unreachable';
  /** Acknowledged data only in this node's spool: bytes, points (readings, events, presence), how long the oldest has waited (ms). */
  spool?: { pendingBytes: number; pendingPoints: number; oldestPendingMs: number };
  components: ComponentStatus[];
}

interface CoreRoutes {
  'GET /healthz': { response: HealthResponse };
  'GET /metrics': { response: FileResponse };

  'POST /api/login': { body: LoginInput; response: Me };
  'POST /api/logout': { response: { ok: boolean } };
  'GET /api/me': { response: Me };

  'GET /api/overview': { response: OverviewResponse };
  'GET /api/kpi': { response: KpiResponse };
  'GET /api/edges': { response: EdgeListResponse };
  'POST /api/edges': { body: EdgeRegistrationInput; response: EdgeView };
  'POST /api/edges/imports': { query: EdgeImportStartQuery; response: EdgeImportJob };
  'GET /api/edges/imports/:id': { params: EdgeImportParams; response: EdgeImportJob };
  /** The next down bundle of an edge (docs/edge.md, "The USB round trip, down"): admins only. */
  'GET /api/edges/:id/bundle': { params: JobIdParams; response: FileResponse };
  /** Revokes an edge (as `edufleet edge revoke`): its files and its link are refused from then on. Admins only. */
  'POST /api/edges/:id/revoke': { params: JobIdParams; response: EdgeView };
  'GET /api/kinds': { response: KindInfo[] };
  'GET /api/hierarchy': { response: HierarchyResponse };
  'GET /api/hierarchy/tree': { query: TreeQuery; response: TreeResponse };

  'GET /api/devices': { query: DeviceListQuery; response: DeviceListResponse };
  'GET /api/devices/:id': { params: DeviceIdParams; response: DeviceDetail };
  'GET /api/devices/:id/record': { params: DeviceIdParams; response: DeviceRecord };
  'POST /api/devices': { body: NewDeviceInput; response: NewDeviceResponse };
  'PATCH /api/devices/:id': { params: DeviceIdParams; body: DeviceRecordPatch; response: DeviceRecord };
  'POST /api/devices/:id/retire': { params: DeviceIdParams; response: DeviceRecord };
  'POST /api/devices/:id/maintenance': { params: DeviceIdParams; body: MaintenanceInput; response: MaintenanceResponse };
  'POST /api/devices/:id/credentials': { params: DeviceIdParams; response: CredentialsResponse };
  'POST /api/devices/:id/revoke': { params: DeviceIdParams; response: RevokedResponse };
  'POST /api/provision': { body: BulkProvisionInput; response: CredentialsResponse };
  'GET /api/labels.pdf': { query: LabelsQuery; response: FileResponse };

  'GET /api/users': { response: UserRow[] };
  'POST /api/users': { body: NewUserInput; response: UserRow };
  'PATCH /api/users/:id': { params: IdParams; body: UserPatch; response: UserRow };
  'GET /api/audit': { query: AuditQuery; response: AuditResponse };
  /** API tokens (docs/integration.md): admins with a session only; a token never reaches these. */
  'GET /api/tokens': { response: ApiTokenListResponse };
  'POST /api/tokens': { body: NewApiTokenInput; response: NewApiTokenResponse };
  'POST /api/tokens/:id/revoke': { params: IdParams; response: ApiTokenView };

  /** The body is the file itself (CSV or XLSX), not JSON. */
  'POST /api/imports': { query: ImportStartQuery; response: ImportJob };
  'GET /api/imports/:id': { params: JobIdParams; response: ImportJob };
  'POST /api/imports/:id/apply': { params: JobIdParams; body: ApplyImportInput; response: ImportJob };
  'GET /api/register.:format': { params: { format: 'csv' | 'xlsx' }; response: FileResponse };
  /** The Sở's list of districts, schools and sites: the same three steps; the body is the file. */
  'POST /api/imports/places': { query: ImportStartQuery; response: PlacesImportJob };
  'GET /api/imports/places/:id': { params: JobIdParams; response: PlacesImportJob };
  'POST /api/imports/places/:id/apply': { params: JobIdParams; body: ApplyImportInput; response: PlacesImportJob };
  'GET /api/places.:format': { params: { format: 'csv' | 'xlsx' }; response: FileResponse };

  'GET /api/usage': { query: UsageQuery; response: UsageReport };
  'GET /api/planning': { query: PlanningQuery; response: PlanningResponse };
  'POST /api/usage/exports': { body: ExportInput; response: ExportJob };
  'GET /api/usage/exports/:id': { params: JobIdParams; response: ExportJob };
  'GET /api/usage/exports/:id/file': { params: JobIdParams; response: FileResponse };
  'GET /api/schools/:id/timetable': { params: IdParams; response: TimetableResponse };
  'PUT /api/schools/:id/timetable': { params: IdParams; body: TimetableInput; response: TimetableResponse };

  'GET /api/reports/subscriptions': { response: ReportSubscription[] };
  'POST /api/reports/subscriptions': { body: SubscriptionInput; response: ReportSubscription };
  'DELETE /api/reports/subscriptions/:id': { params: IdParams; response: { id: number; removed: true } };
}

/** Device health and alerts (issue 10; docs/alerts.md). */
interface HealthRoutes {
  'GET /api/health/devices': { query: HealthListQuery; response: HealthListResponse };
  'GET /api/health/summary': { query: HealthSummaryQuery; response: HealthSummaryResponse };
  'GET /api/rooms/:id/devices': { params: IdParams; response: RoomHealthResponse };
  'GET /api/devices/:id/history': { params: DeviceIdParams; query: HistoryQuery; response: HistoryResponse };
  'GET /api/devices/:id/events': { params: DeviceIdParams; response: DeviceEventsResponse };

  'GET /api/alerts': { query: AlertListQuery; response: AlertListResponse };
  'GET /api/alerts/:id': { params: IdParams; response: AlertDetail };
  'POST /api/alerts/:id/ack': { params: IdParams; body: AckInput; response: AlertView };
  'POST /api/alerts/ack': { body: BulkAckInput; response: BulkAckResponse };
  'POST /api/alerts/:id/resolve': { params: IdParams; body: ResolveInput; response: AlertView };
  'GET /api/silences': { response: SilenceView[] };
  'POST /api/silences': { body: SilenceInput; response: SilenceView };
  'POST /api/silences/:id/end': { params: IdParams; response: SilenceView };
  'GET /api/alert-rules': { response: AlertRuleView[] };
  'PUT /api/alert-rules/:rule/overrides': { params: { rule: string }; body: RuleOverrideInput; response: RuleOverrideView };
  'DELETE /api/alert-rules/overrides/:id': { params: IdParams; response: { id: number; removed: true } };
}

/** Who is told about alerts (docs/alerts.md, "Notifications"). */
interface NotificationRoutes {
  'GET /api/notifications/recipients': { response: RecipientView[] };
  'POST /api/notifications/recipients': { body: RecipientInput; response: NewRecipientResponse };
  'DELETE /api/notifications/recipients/:id': { params: IdParams; response: { id: number; removed: true } };
  'POST /api/notifications/recipients/:id/secret': { params: IdParams; response: RotatedSecretResponse };
  'GET /api/notifications/attempts': { query: AttemptsQuery; response: NotificationAttemptView[] };
}

/** Remote commands to one device (issue 11; docs/commands.md). */
interface CommandRoutes {
  'POST /api/devices/:id/commands': { params: DeviceIdParams; body: SendCommandInput; response: CommandView };
  'GET /api/devices/:id/commands': { params: DeviceIdParams; query: CommandListQuery; response: CommandView[] };
  'POST /api/commands/:id/cancel': { params: JobIdParams; response: CommandView };
  'GET /api/schools/:id/commands': { params: IdParams; query: SchoolCommandsQuery; response: CommandView[] };
  'POST /api/command-runs/preview': { body: RunPreviewInput; response: RunPreview };
  'POST /api/command-runs': { body: StartRunInput; response: RunView };
  'GET /api/command-runs': { query: RunListQuery; response: RunView[] };
  'GET /api/command-runs/:id': { params: IdParams; response: RunDetail };
  'POST /api/command-runs/:id/cancel': { params: IdParams; response: RunView };
  'GET /api/schedules': { query: ScheduleListQuery; response: ScheduleView[] };
  'POST /api/schedules': { body: ScheduleInputBody; response: ScheduleView };
  'POST /api/schedules/preview': { body: ScheduleInputBody; response: SchedulePreview };
  'GET /api/schedules/:id': { params: IdParams; response: ScheduleDetail };
  'PUT /api/schedules/:id': { params: IdParams; body: ScheduleInputBody; response: ScheduleView };
  'DELETE /api/schedules/:id': { params: IdParams; response: { id: number; removed: true } };
}

export type ApiRoutes = CoreRoutes
  & HealthRoutes
  & NotificationRoutes
  & CommandRoutes
  & PlaceRoutes<'districts', DistrictInput, Partial<DistrictInput>>
  & PlaceRoutes<'schools', SchoolInput, Partial<SchoolInput>>
  & PlaceRoutes<'sites', SiteInput, Partial<SiteInput>>
  & PlaceRoutes<'rooms', RoomInput, Partial<RoomInput>>;

export type RouteKey = keyof ApiRoutes & string;
/**
 * Every key of ApiRoutes at run time, for the test that compares the map with the routes the server registers. The
 * compiler keeps it complete: `satisfies` refuses a key the map lacks, `API_ROUTE_KEYS_COMPLETE` a key the list lacks.
 */
export const API_ROUTE_KEYS = [
  'GET /healthz', 'GET /metrics', 'POST /api/login', 'POST /api/logout', 'GET /api/me', 'GET /api/overview',
  'GET /api/kpi', 'GET /api/edges', 'POST /api/edges', 'POST /api/edges/imports', 'GET /api/edges/imports/:id', 'GET /api/edges/:id/bundle', 'POST /api/edges/:id/revoke', 'GET /api/kinds', 'GET /api/hierarchy', 'GET /api/hierarchy/tree', 'GET /api/devices',
  'GET /api/devices/:id', 'GET /api/devices/:id/record', 'POST /api/devices', 'PATCH /api/devices/:id',
  'POST /api/devices/:id/retire', 'POST /api/devices/:id/maintenance', 'POST /api/devices/:id/credentials',
  'POST /api/devices/:id/revoke', 'POST /api/provision', 'GET /api/labels.pdf', 'GET /api/users', 'POST /api/users',
  'PATCH /api/users/:id', 'GET /api/audit', 'GET /api/tokens', 'POST /api/tokens', 'POST /api/tokens/:id/revoke', 'POST /api/imports', 'GET /api/imports/:id',
  'POST /api/imports/:id/apply', 'GET /api/register.:format', 'POST /api/imports/places',
  'GET /api/imports/places/:id', 'POST /api/imports/places/:id/apply', 'GET /api/places.:format', 'GET /api/usage',
  'GET /api/planning', 'POST /api/usage/exports', 'GET /api/usage/exports/:id', 'GET /api/usage/exports/:id/file',
  'GET /api/schools/:id/timetable', 'PUT /api/schools/:id/timetable', 'GET /api/reports/subscriptions',
  'POST /api/reports/subscriptions', 'DELETE /api/reports/subscriptions/:id', 'POST /api/districts',
  'PATCH /api/districts/:id', 'POST /api/districts/:id/retire', 'POST /api/districts/:id/restore',
  'POST /api/schools', 'PATCH /api/schools/:id', 'POST /api/schools/:id/retire', 'POST /api/schools/:id/restore',
  'POST /api/sites', 'PATCH /api/sites/:id', 'POST /api/sites/:id/retire', 'POST /api/sites/:id/restore',
  'POST /api/rooms', 'PATCH /api/rooms/:id', 'POST /api/rooms/:id/retire', 'POST /api/rooms/:id/restore',
  'GET /api/health/devices', 'GET /api/health/summary', 'GET /api/rooms/:id/devices', 'GET /api/devices/:id/history',
  'GET /api/devices/:id/events', 'GET /api/alerts', 'GET /api/alerts/:id', 'POST /api/alerts/:id/ack', 'POST /api/alerts/ack',
  'POST /api/alerts/:id/resolve', 'GET /api/silences', 'POST /api/silences', 'POST /api/silences/:id/end',
  'GET /api/alert-rules', 'PUT /api/alert-rules/:rule/overrides', 'DELETE /api/alert-rules/overrides/:id',
  'GET /api/notifications/recipients', 'POST /api/notifications/recipients', 'DELETE /api/notifications/recipients/:id',
  'POST /api/notifications/recipients/:id/secret',
  'GET /api/notifications/attempts', 'POST /api/devices/:id/commands', 'GET /api/devices/:id/commands', 'POST /api/commands/:id/cancel',
  'GET /api/schools/:id/commands', 'POST /api/command-runs/preview', 'POST /api/command-runs', 'GET /api/command-runs',
  'GET /api/command-runs/:id', 'POST /api/command-runs/:id/cancel', 'GET /api/schedules', 'POST /api/schedules',
  'POST /api/schedules/preview', 'GET /api/schedules/:id', 'PUT /api/schedules/:id', 'DELETE /api/schedules/:id',
] as const satisfies readonly RouteKey[];
type MissingKey = Exclude<RouteKey, (typeof API_ROUTE_KEYS)[number]>;
export const API_ROUTE_KEYS_COMPLETE: [MissingKey] extends [never] ? true : MissingKey = true;
export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
/** The paths a method has, e.g. PathOf<'GET'> includes '/api/devices/:id'. */
export type PathOf<M extends Method> = RouteKey extends infer K ? (K extends `${M} ${infer P}` ? P : never) : never;

type Part<K extends RouteKey, F extends string> = ApiRoutes[K] extends Record<F, infer T> ? T : undefined;
export type ParamsOf<K extends RouteKey> = Part<K, 'params'>;
export type QueryOf<K extends RouteKey> = Part<K, 'query'>;
export type BodyOf<K extends RouteKey> = Part<K, 'body'>;
export type ResponseOf<K extends RouteKey> = ApiRoutes[K]['response'];
