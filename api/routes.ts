/**
 * Every REST route of the dashboard, by method and path, with its params, query, body and answer as TypeBox schemas:
 * the ONE source of the HTTP contract. The server takes each route's Fastify schema from here
 * (dashboard/server/route-schema.ts `schemaOf`: validation and the OpenAPI document at /api/openapi.json), its handler
 * types from the types derived below (dashboard/server/route-types.ts), and the web client its calls
 * (dashboard/web/src/api.ts, types only), so a changed shape fails the type check on both sides and the route walk
 * (test/dashboard/openapi.test.ts) when the server answers otherwise. `query` fields are as the client sends them
 * (optional where the server has a default).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AckInput, AlertDetail, AlertListQuery, AlertListResponse, AlertRuleList, AlertRuleParams, AlertView, BulkAckInput, BulkAckResponse, ResolveInput, RuleOverrideInput, RuleOverrideView, SilenceInput, SilenceList, SilenceView } from './alerts.js';
import { LoginInput, LogoutResponse, Me } from './auth.js';
import {
  CommandDeviceParams, CommandIdParams, CommandList, CommandListQuery, CommandView, RunDetail, RunList, RunListQuery, RunPreview, RunPreviewInput, RunView,
  ScheduleDetail, ScheduleInputBody, ScheduleList, ScheduleListQuery, SchedulePreview, ScheduleView, SchoolCommandsQuery, SendCommandInput, StartRunInput,
} from './commands.js';
import { CreatedId, Removed } from './common.js';
import { DeviceDetail, DeviceIdParams, DeviceListQuery, DeviceListResponse, KindList } from './devices.js';
import { EdgeImportJob, EdgeImportParams, EdgeImportStartQuery } from './edge-imports.js';
import { EdgeIdParams, EdgeListResponse, EdgeRegistrationInput, EdgeView } from './edges.js';
import {
  DeviceEventsResponse, HealthListQuery, HealthListResponse, HealthSummaryQuery, HealthSummaryResponse, HistoryQuery, HistoryResponse, RoomHealthResponse,
} from './health.js';
import { HealthResponse } from './healthz.js';
import { ApplyImportInput, ExportFormatParams, ImportJob, ImportStartQuery, PlacesImportJob } from './imports.js';
import { IdParams, JobParams, NoQuery } from './kit.js';
import { KpiResponse } from './kpi.js';
import { AttemptList, AttemptsQuery, NewRecipientResponse, RecipientInput, RecipientList, RotatedSecretResponse } from './notifications.js';
import { OverviewResponse } from './overview.js';
import {
  DistrictInput, DistrictPatch, HierarchyResponse, RetiredResponse, RoomInput, RoomPatch, SchoolInput, SchoolPatch, SiteInput, SitePatch, TreeQuery, TreeResponse,
} from './places.js';
import {
  BulkProvisionInput, CredentialsResponse, DeviceRecord, DeviceRecordPatch, LabelsQuery, MaintenanceInput, MaintenanceResponse, NewDeviceInput, NewDeviceResponse,
  RevokedResponse,
} from './records.js';
import { ApiTokenListResponse, ApiTokenView, NewApiTokenInput, NewApiTokenResponse } from './tokens.js';
import { MonthlyFeedQuery, MonthlyFeedV1 } from './feed.js';
import { IntegrationAccountList, IntegrationAccountView, IntegrationNameParams, NewIntegrationAccountInput, NewIntegrationAccountResponse } from './integration-accounts.js';
import { WallQuery, WallResponse } from './wall.js';
import {
  ExportInput, ExportJob, PlanningQuery, PlanningResponse, ReportSubscription, ReportSubscriptionList, SubscriptionInput, TimetableInput, TimetableResponse,
  UsageQuery, UsageReport,
} from './usage.js';
import { AuditQuery, AuditResponse, NewUserInput, UserPatch, UserRow } from './users.js';

/** A file answer (PDF, XLSX, CSV, ZIP, .efb): the browser follows a link to it rather than parsing it. */
export type FileResponse = Uint8Array | string;
const FileBody = Type.Unsafe<FileResponse>({ type: 'string', format: 'binary' });
/** The OpenAPI document itself: an object (its own shape is the OpenAPI 3.1 specification's). */
const OpenApiDocument = Type.Record(Type.String(), Type.Unknown());

/** What the contract says of one route. */
export interface RouteSpec {
  /** One line, English: the operation's summary in the document. */
  summary: string;
  /** The document's grouping (one per feature). */
  tags: readonly string[];
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  /** The answer's schema for the success status. */
  response: TSchema;
  /** The success status when it is not 200 (201 for a create, 202 for a job started). */
  status?: 201 | 202;
  /** A file answer: its content types (the body is then the file, not JSON). */
  produces?: readonly string[];
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CSV = 'text/csv';
const PDF = 'application/pdf';
/** A job polled until done (imports, exports). */
const job = <R extends TSchema>(summary: string, tags: readonly string[], response: R) => ({ summary, tags, params: JobParams, response });

/** The hierarchy's four levels: create, edit or move, retire and restore (admins for districts and schools, records.write for sites and rooms). */
const PLACES = ['places'] as const;

export const API_ROUTES = {
  'GET /healthz': { summary: 'Process health (load balancers)', tags: ['operations'], response: HealthResponse },
  'GET /metrics': { summary: 'Prometheus metrics (loopback or the metrics token)', tags: ['operations'], response: FileBody, produces: ['text/plain'] },
  'GET /api/openapi.json': { summary: 'This OpenAPI document', tags: ['meta'], response: OpenApiDocument },

  'POST /api/login': { summary: 'Sign in (starts a session cookie)', tags: ['auth'], body: LoginInput, response: Me },
  'POST /api/logout': { summary: 'Sign out', tags: ['auth'], response: LogoutResponse },
  'GET /api/me': { summary: 'The signed-in user and what they may do', tags: ['auth'], response: Me },

  'GET /api/overview': { summary: 'Fleet counts per kind, school and problem', tags: ['fleet'], response: OverviewResponse },
  'GET /api/kpi': { summary: 'The digital-records KPI', tags: ['fleet'], query: NoQuery, response: KpiResponse },
  'GET /api/edges': { summary: 'Edge nodes, worst first', tags: ['edges'], query: NoQuery, response: EdgeListResponse },
  'POST /api/edges': { summary: 'Register an edge node', tags: ['edges'], body: EdgeRegistrationInput, response: EdgeView, status: 201 },
  'POST /api/edges/imports': { summary: 'Import an edge export file (the body is the file)', tags: ['edges'], query: EdgeImportStartQuery, response: EdgeImportJob, status: 202 },
  'GET /api/edges/imports/:id': { summary: 'An edge import job', tags: ['edges'], params: EdgeImportParams, response: EdgeImportJob },
  /** The next down bundle of an edge (docs/edge.md, "The USB round trip, down"): admins only. */
  'GET /api/edges/:id/bundle': { summary: 'An edge\'s next down bundle (.efb)', tags: ['edges'], params: EdgeIdParams, response: FileBody, produces: ['application/octet-stream'] },
  /** Revokes an edge (as `edufleet edge revoke`): its files and its link are refused from then on. Admins only. */
  'POST /api/edges/:id/revoke': { summary: 'Revoke an edge node', tags: ['edges'], params: EdgeIdParams, response: EdgeView },
  'GET /api/kinds': { summary: 'Device kinds and their fields', tags: ['devices'], response: KindList },
  'GET /api/hierarchy': { summary: 'Districts, schools and rooms in scope', tags: PLACES, response: HierarchyResponse },
  'GET /api/hierarchy/tree': { summary: 'The whole hierarchy in scope, flat', tags: PLACES, query: TreeQuery, response: TreeResponse },

  'GET /api/devices': { summary: 'Devices, filtered and paged, with their live state', tags: ['devices'], query: DeviceListQuery, response: DeviceListResponse },
  'GET /api/devices/:id': { summary: 'A device with its last hour of readings', tags: ['devices'], params: DeviceIdParams, response: DeviceDetail },
  'GET /api/devices/:id/record': { summary: 'A device\'s asset record', tags: ['records'], params: DeviceIdParams, response: DeviceRecord },
  'POST /api/devices': { summary: 'Add a device record (and credentials)', tags: ['records'], body: NewDeviceInput, response: NewDeviceResponse, status: 201 },
  'PATCH /api/devices/:id': { summary: 'Edit or move a device record', tags: ['records'], params: DeviceIdParams, body: DeviceRecordPatch, response: DeviceRecord },
  'POST /api/devices/:id/retire': { summary: 'Retire a device', tags: ['records'], params: DeviceIdParams, response: DeviceRecord },
  'POST /api/devices/:id/maintenance': { summary: 'Add a maintenance entry', tags: ['records'], params: DeviceIdParams, body: MaintenanceInput, response: MaintenanceResponse, status: 201 },
  'POST /api/devices/:id/credentials': { summary: 'Issue or rotate a device\'s MQTT credentials', tags: ['records'], params: DeviceIdParams, response: CredentialsResponse },
  'POST /api/devices/:id/revoke': { summary: 'Revoke a device\'s MQTT credentials', tags: ['records'], params: DeviceIdParams, response: RevokedResponse },
  'POST /api/provision': { summary: 'Credentials for a room\'s or school\'s devices', tags: ['records'], body: BulkProvisionInput, response: CredentialsResponse },
  'GET /api/labels.pdf': { summary: 'QR labels (PDF)', tags: ['records'], query: LabelsQuery, response: FileBody, produces: [PDF] },

  'GET /api/users': { summary: 'Users', tags: ['users'], response: Type.Array(UserRow) },
  'POST /api/users': { summary: 'Add a user', tags: ['users'], body: NewUserInput, response: UserRow, status: 201 },
  'PATCH /api/users/:id': { summary: 'Edit a user', tags: ['users'], params: IdParams, body: UserPatch, response: UserRow },
  'GET /api/audit': { summary: 'The audit log', tags: ['users'], query: AuditQuery, response: AuditResponse },
  /** API tokens (docs/integration.md): admins with a session only; a token never reaches these. */
  'GET /api/tokens': { summary: 'API tokens', tags: ['tokens'], response: ApiTokenListResponse },
  'GET /api/wall': { summary: 'The operations-centre wall: devices by presence, open alerts, the week\'s room use and the records KPI per district in scope', tags: ['wall'], query: WallQuery, response: WallResponse },
  'GET /api/feed/v1/monthly': { summary: 'The monthly feed of room use, coverage and the records KPI per school (v1, JSON)', tags: ['feed'], query: MonthlyFeedQuery, response: MonthlyFeedV1 },
  'GET /api/feed/v1/monthly.csv': { summary: 'The monthly feed, v1, as CSV (the header is api/feed.ts FEED_V1_CSV_COLUMNS)', tags: ['feed'], query: MonthlyFeedQuery, response: FileBody, produces: [CSV] },
  'GET /api/integrations': { summary: 'Integration accounts (MQTT clients that are not devices)', tags: ['integrations'], response: IntegrationAccountList },
  'POST /api/integrations': { summary: 'Make an integration account (its secret shown once)', tags: ['integrations'], body: NewIntegrationAccountInput, response: NewIntegrationAccountResponse, status: 201 },
  'POST /api/integrations/:name/revoke': { summary: 'Revoke an integration account (its clients are closed)', tags: ['integrations'], params: IntegrationNameParams, response: IntegrationAccountView },
  'POST /api/tokens': { summary: 'Make an API token (shown once)', tags: ['tokens'], body: NewApiTokenInput, response: NewApiTokenResponse, status: 201 },
  'POST /api/tokens/:id/revoke': { summary: 'Revoke an API token', tags: ['tokens'], params: IdParams, response: ApiTokenView },

  /** The body is the file itself (CSV or XLSX), not JSON. */
  'POST /api/imports': { summary: 'Start an equipment import (the body is the file)', tags: ['imports'], query: ImportStartQuery, response: ImportJob, status: 202 },
  'GET /api/imports/:id': job('An equipment import job', ['imports'], ImportJob),
  'POST /api/imports/:id/apply': { ...job('Apply a planned equipment import', ['imports'], ImportJob), body: ApplyImportInput },
  'GET /api/register.:format': { summary: 'The equipment register (CSV or XLSX)', tags: ['imports'], params: ExportFormatParams, response: FileBody, produces: [CSV, XLSX] },
  /** The Sở's list of districts, schools and sites: the same three steps; the body is the file. */
  'POST /api/imports/places': { summary: 'Start a places import (the body is the file)', tags: ['imports'], query: ImportStartQuery, response: PlacesImportJob, status: 202 },
  'GET /api/imports/places/:id': job('A places import job', ['imports'], PlacesImportJob),
  'POST /api/imports/places/:id/apply': { ...job('Apply a planned places import', ['imports'], PlacesImportJob), body: ApplyImportInput },
  'GET /api/places.:format': { summary: 'The list of districts, schools and sites (CSV or XLSX)', tags: ['imports'], params: ExportFormatParams, response: FileBody, produces: [CSV, XLSX] },

  'GET /api/usage': { summary: 'Room use against the timetable', tags: ['usage'], query: UsageQuery, response: UsageReport },
  'GET /api/planning': { summary: 'The budget planner', tags: ['usage'], query: PlanningQuery, response: PlanningResponse },
  'POST /api/usage/exports': { summary: 'Start a usage report file', tags: ['usage'], body: ExportInput, response: ExportJob, status: 202 },
  'GET /api/usage/exports/:id': job('A usage report job', ['usage'], ExportJob),
  'GET /api/usage/exports/:id/file': { ...job('A usage report file (PDF, XLSX or CSV)', ['usage'], FileBody), produces: [PDF, XLSX, CSV] },
  'GET /api/schools/:id/timetable': { summary: 'A school\'s timetable', tags: ['usage'], params: IdParams, response: TimetableResponse },
  'PUT /api/schools/:id/timetable': { summary: 'Save a school\'s timetable', tags: ['usage'], params: IdParams, body: TimetableInput, response: TimetableResponse },

  'GET /api/reports/subscriptions': { summary: 'Monthly report subscriptions', tags: ['reports'], response: ReportSubscriptionList },
  'POST /api/reports/subscriptions': { summary: 'Subscribe to the monthly report', tags: ['reports'], body: SubscriptionInput, response: ReportSubscription, status: 201 },
  'DELETE /api/reports/subscriptions/:id': { summary: 'Remove a subscription', tags: ['reports'], params: IdParams, response: Removed },

  'POST /api/districts': { summary: 'Add a district', tags: PLACES, body: DistrictInput, response: CreatedId, status: 201 },
  'PATCH /api/districts/:id': { summary: 'Edit a district', tags: PLACES, params: IdParams, body: DistrictPatch, response: CreatedId },
  'POST /api/districts/:id/retire': { summary: 'Retire a district', tags: PLACES, params: IdParams, response: RetiredResponse },
  'POST /api/districts/:id/restore': { summary: 'Restore a district', tags: PLACES, params: IdParams, response: RetiredResponse },
  'POST /api/schools': { summary: 'Add a school', tags: PLACES, body: SchoolInput, response: CreatedId, status: 201 },
  'PATCH /api/schools/:id': { summary: 'Edit or move a school', tags: PLACES, params: IdParams, body: SchoolPatch, response: CreatedId },
  'POST /api/schools/:id/retire': { summary: 'Retire a school', tags: PLACES, params: IdParams, response: RetiredResponse },
  'POST /api/schools/:id/restore': { summary: 'Restore a school', tags: PLACES, params: IdParams, response: RetiredResponse },
  'POST /api/sites': { summary: 'Add a site', tags: PLACES, body: SiteInput, response: CreatedId, status: 201 },
  'PATCH /api/sites/:id': { summary: 'Edit or move a site', tags: PLACES, params: IdParams, body: SitePatch, response: CreatedId },
  'POST /api/sites/:id/retire': { summary: 'Retire a site', tags: PLACES, params: IdParams, response: RetiredResponse },
  'POST /api/sites/:id/restore': { summary: 'Restore a site', tags: PLACES, params: IdParams, response: RetiredResponse },
  'POST /api/rooms': { summary: 'Add a room', tags: PLACES, body: RoomInput, response: CreatedId, status: 201 },
  'PATCH /api/rooms/:id': { summary: 'Edit or move a room', tags: PLACES, params: IdParams, body: RoomPatch, response: CreatedId },
  'POST /api/rooms/:id/retire': { summary: 'Retire a room', tags: PLACES, params: IdParams, response: RetiredResponse },
  'POST /api/rooms/:id/restore': { summary: 'Restore a room', tags: PLACES, params: IdParams, response: RetiredResponse },

  // Device health and alerts (issue 10; docs/alerts.md).
  'GET /api/health/devices': { summary: 'Device health, worst first', tags: ['health'], query: HealthListQuery, response: HealthListResponse },
  'GET /api/health/summary': { summary: 'Health rollups of the places under one parent', tags: ['health'], query: HealthSummaryQuery, response: HealthSummaryResponse },
  'GET /api/rooms/:id/devices': { summary: 'Every device of a room at a glance', tags: ['health'], params: IdParams, response: RoomHealthResponse },
  'GET /api/devices/:id/history': { summary: 'A device\'s readings over a window', tags: ['health'], params: DeviceIdParams, query: HistoryQuery, response: HistoryResponse },
  'GET /api/devices/:id/events': { summary: 'A device\'s latest events', tags: ['health'], params: DeviceIdParams, response: DeviceEventsResponse },

  'GET /api/alerts': { summary: 'The alert inbox', tags: ['alerts'], query: AlertListQuery, response: AlertListResponse },
  'GET /api/alerts/:id': { summary: 'An alert and its history', tags: ['alerts'], params: IdParams, response: AlertDetail },
  'POST /api/alerts/:id/ack': { summary: 'Acknowledge an alert', tags: ['alerts'], params: IdParams, body: AckInput, response: AlertView },
  'POST /api/alerts/ack': { summary: 'Acknowledge many alerts', tags: ['alerts'], body: BulkAckInput, response: BulkAckResponse },
  'POST /api/alerts/:id/resolve': { summary: 'Resolve an alert', tags: ['alerts'], params: IdParams, body: ResolveInput, response: AlertView },
  'GET /api/silences': { summary: 'Silences in force', tags: ['alerts'], response: SilenceList },
  'POST /api/silences': { summary: 'Silence a device, room or school', tags: ['alerts'], body: SilenceInput, response: SilenceView, status: 201 },
  'POST /api/silences/:id/end': { summary: 'End a silence', tags: ['alerts'], params: IdParams, response: SilenceView },
  'GET /api/alert-rules': { summary: 'Alert rules with their overrides', tags: ['alerts'], response: AlertRuleList },
  'PUT /api/alert-rules/:rule/overrides': { summary: 'Set a rule override', tags: ['alerts'], params: AlertRuleParams, body: RuleOverrideInput, response: RuleOverrideView },
  'DELETE /api/alert-rules/overrides/:id': { summary: 'Remove a rule override', tags: ['alerts'], params: IdParams, response: Removed },

  // Who is told about alerts (docs/alerts.md, "Notifications").
  'GET /api/notifications/recipients': { summary: 'Alert recipients', tags: ['notifications'], response: RecipientList },
  'POST /api/notifications/recipients': { summary: 'Add an alert recipient', tags: ['notifications'], body: RecipientInput, response: NewRecipientResponse, status: 201 },
  'DELETE /api/notifications/recipients/:id': { summary: 'Remove an alert recipient', tags: ['notifications'], params: IdParams, response: Removed },
  'POST /api/notifications/recipients/:id/secret': { summary: 'Rotate a webhook\'s signing secret', tags: ['notifications'], params: IdParams, response: RotatedSecretResponse },
  'GET /api/notifications/attempts': { summary: 'Delivery attempts', tags: ['notifications'], query: AttemptsQuery, response: AttemptList },

  // Remote commands (issue 11; docs/commands.md).
  'POST /api/devices/:id/commands': { summary: 'Send a command to a device', tags: ['commands'], params: CommandDeviceParams, body: SendCommandInput, response: CommandView, status: 201 },
  'GET /api/devices/:id/commands': { summary: 'A device\'s commands', tags: ['commands'], params: CommandDeviceParams, query: CommandListQuery, response: CommandList },
  'POST /api/commands/:id/cancel': { summary: 'Cancel a command', tags: ['commands'], params: CommandIdParams, response: CommandView },
  'GET /api/schools/:id/commands': { summary: 'A school\'s command history', tags: ['commands'], params: IdParams, query: SchoolCommandsQuery, response: CommandList },
  'POST /api/command-runs/preview': { summary: 'What a bulk run would reach', tags: ['commands'], body: RunPreviewInput, response: RunPreview },
  'POST /api/command-runs': { summary: 'Start a bulk run', tags: ['commands'], body: StartRunInput, response: RunView, status: 201 },
  'GET /api/command-runs': { summary: 'Bulk runs', tags: ['commands'], query: RunListQuery, response: RunList },
  'GET /api/command-runs/:id': { summary: 'A bulk run and its devices', tags: ['commands'], params: IdParams, response: RunDetail },
  'POST /api/command-runs/:id/cancel': { summary: 'Cancel a bulk run', tags: ['commands'], params: IdParams, response: RunView },
  'GET /api/schedules': { summary: 'Command schedules', tags: ['schedules'], query: ScheduleListQuery, response: ScheduleList },
  'POST /api/schedules': { summary: 'Add a schedule', tags: ['schedules'], body: ScheduleInputBody, response: ScheduleView, status: 201 },
  'POST /api/schedules/preview': { summary: 'A schedule\'s next runs, before saving', tags: ['schedules'], body: ScheduleInputBody, response: SchedulePreview },
  'GET /api/schedules/:id': { summary: 'A schedule and its recent fires', tags: ['schedules'], params: IdParams, response: ScheduleDetail },
  'PUT /api/schedules/:id': { summary: 'Save a schedule', tags: ['schedules'], params: IdParams, body: ScheduleInputBody, response: ScheduleView },
  'DELETE /api/schedules/:id': { summary: 'Remove a schedule', tags: ['schedules'], params: IdParams, response: Removed },
} as const satisfies Record<string, RouteSpec>;

export type ApiRoutes = typeof API_ROUTES;
export type RouteKey = keyof ApiRoutes & string;
/** Every key of API_ROUTES at run time, for the tests that compare the contract with the routes the server registers. */
export const API_ROUTE_KEYS = Object.keys(API_ROUTES) as RouteKey[];
export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
/** The paths a method has, e.g. PathOf<'GET'> includes '/api/devices/:id'. */
export type PathOf<M extends Method> = RouteKey extends infer K ? (K extends `${M} ${infer P}` ? P : never) : never;

type Part<K extends RouteKey, F extends string> = ApiRoutes[K] extends Record<F, infer T extends TSchema> ? Static<T> : undefined;
export type ParamsOf<K extends RouteKey> = Part<K, 'params'>;
export type QueryOf<K extends RouteKey> = Part<K, 'query'>;
export type BodyOf<K extends RouteKey> = Part<K, 'body'>;
export type ResponseOf<K extends RouteKey> = Static<ApiRoutes[K]['response']>;
