/**
 * The tables as Kysely sees them: one `Database` interface types every query on both engines. Column names are the
 * SQL ones (snake_case); the modules map rows to the camelCase shapes of registry/types.ts.
 */
import type { Generated } from 'kysely';

export interface MetaTable { key: string; value: string }
export interface DistrictsTable { id: Generated<number>; code: string; name: string; retired_at: number | null }
export interface SchoolsTable {
  id: Generated<number>; code: string; name: string; level: string; district_id: number | null; pupils: Generated<number>; retired_at: number | null;
}
export interface SitesTable { id: Generated<number>; school_id: number; name: string; retired_at: number | null }
export interface RoomsTable {
  id: Generated<number>; site_id: number; code: string; name: string; type: string; capacity: Generated<number>; retired_at: number | null;
}
export interface DevicesTable {
  id: string; kind: string; room_id: number; name: string; code: string | null; model: string | null; manufacturer: string | null;
  serial: string | null; secret_hash: string | null; secret_verifier: string | null; created_at: number; revoked_at: number | null; rev: number;
  in_service_date: string | null; cost_vnd: number | null; funding_source: string | null; warranty_end: string | null;
  service_life_years: number | null; state: Generated<string>; notes: string | null;
}
export interface UsersTable {
  id: Generated<number>; username: string; display_name: string; password_hash: string; role: string; scope: Generated<string>;
  created_at: number; disabled_at: number | null;
}
export interface SessionsTable { sid: string; data: string; expires_at: number }
export interface MaintenanceTable { id: Generated<number>; device_id: string; at: number; by_user: string; text: string }
export interface AuditTable {
  id: Generated<number>; at: number; by_user: string; action: string; entity: string; entity_id: string; detail: Generated<string>;
}
export interface TimetablesTable { school_id: number; term: string; start: string; end: string; data: string; updated_at: number }
export interface SubscriptionsTable {
  id: Generated<number>; email: string; district_id: number | null; created_by: string; created_at: number; last_sent: string | null;
  /** While a process sends `last_sent`'s report: its lease (ms); null once sent (registry/store/plans.ts, claimReport). */
  sending_until: number | null;
}

export interface DeviceHealthTable {
  device_id: string; signals: string; level: Generated<string>; reasons: Generated<string>; updated_at: number; judged_at: Generated<number>;
  /** Copies of `signals.presence` and `signals.presenceSince` (v9), for sorting and filtering on columns. */
  presence: Generated<string>; presence_since: number | null;
}
export interface AlertsTable {
  id: Generated<number>; rule: string; device_id: string; school_id: number; room_id: number; severity: string; state: string;
  value: number | null; field: string | null; started_at: number; fired_at: number | null; clear_since: number | null;
  acked_at: number | null; acked_by: string | null; ack_comment: string | null; resolved_at: number | null; resolved_by: string | null;
  resolve_reason: string | null; last_notified_at: number | null; notify_count: Generated<number>; updated_at: number;
}
export interface AlertHistoryTable { id: Generated<number>; alert_id: number; at: number; state: string; by_user: string | null; comment: string | null }
export interface SilencesTable {
  id: Generated<number>; target_type: string; target_id: string; school_id: number; until: number; reason: string; created_by: string;
  created_at: number; ended_at: number | null; ended_by: string | null;
}
export interface RuleOverridesTable { id: Generated<number>; rule: string; kind: Generated<string>; school_id: Generated<number>; room_type: Generated<string>; params: string; updated_by: string; updated_at: number }
export interface NotificationRecipientsTable {
  id: Generated<number>; school_id: number | null; district_id: number | null; min_severity: string; channel: string; address: string;
  secret: string | null; language: string; digest: Generated<number>; created_by: string; created_at: number; removed_at: number | null;
}
export interface NotificationOutboxTable {
  id: Generated<number>; recipient_id: number; school_id: number; event: string; created_at: number; due_at: number; attempts: Generated<number>;
  claimed_by: string | null; claimed_until: Generated<number>; sent_at: number | null; last_error: string | null;
  delivery_id: string | null; gave_up_at: number | null;
}
export interface NotificationAttemptsTable {
  id: Generated<number>; recipient_id: number; at: number; kind: string; items: number; ok: number; status: number | null; error: string | null;
  delivery_id: string | null; gave_up: Generated<number>;
}
export interface DigestClaimsTable { school_id: number; day: string; claimed_by: string; claimed_at: number; sent_at: number | null }
export interface CommandRunsTable {
  id: Generated<number>; name: string; args: string; target_type: string; target_id: string; school_id: number | null; district_id: number | null;
  origin: string; created_by: string; created_at: number; rate_per_min: number | null; abort_failed_pct: number | null; state: Generated<string>;
  ended_at: number | null; ended_by: string | null; end_reason: string | null; target_kind: string | null; ttl_ms: number | null;
  schedule_id: number | null;
}
export interface CommandsTable {
  id: string; run_id: number | null; device_id: string; school_id: number; name: string; args: string; created_at: number; expires_at: number;
  state: Generated<string>; state_at: number; sent_at: number | null; delivered_at: number | null; finished_at: number | null;
  result_ok: number | null; result_message: string | null; cancelled_by: string | null; attempts: Generated<number>; origin: string; created_by: string;
  /** A rollout's release time: not published before (null: at once). */
  not_before: number | null;
}
export interface SchedulesTable {
  id: Generated<number>; school_id: number; name: string; target_type: string; target_id: string; command: string; args: string;
  /** JSON array of ISO weekdays (1 = Monday … 7 = Sunday). */
  days: string; at: string; until: string | null; until_command: string | null; until_args: string | null;
  skip_holidays: Generated<number>; enabled: Generated<number>; rate_per_min: number | null; abort_failed_pct: number | null;
  created_by: string; created_at: number; updated_at: number; last_fire_at: number | null; deleted_at: number | null;
  target_kind: string | null; ttl_ms: number | null;
}
export interface ScheduleFiresTable {
  schedule_id: number; fire_at: number; part: Generated<string>; state: string; claimed_by: string; claimed_at: number; done_at: number | null;
  run_id: number | null; note: string | null;
}

export interface RateLimitsTable { key: string; window_start: number; count: number }

/** A background job's lease (registry/store/leases.ts). */
export interface LeasesTable { name: string; owner: string; term: number; acquired_at: number; expires_at: number }

/** A web app's import or export job (registry/store/jobs.ts); `view` is its JSON as the browser sees it. */
export interface UserJobsTable { id: string; kind: string; user_id: number; status: string; view: string; file: Buffer | null; touched_at: number }

/** An edge node of a site (registry/store/edges.ts); `last_report` is its last report as JSON. */
export interface EdgesTable {
  id: string; site_id: number; name: string; sign_key: string; box_key: string; created_by: string; created_at: number;
  revoked_at: number | null; last_contact_at: number | null; last_report: string | null;
}
/** Per edge and device, the last q applied at the province. */
export interface EdgeCursorsTable { edge_id: string; device_id: string; seq: number }

/** An API token (registry/store/api-tokens.ts): a SHA-256 of it, never the token; `scope` as users' (JSON). */
export interface ApiTokensTable {
  id: Generated<number>; name: string; token_hash: string; prefix: string; role: string; scope: string; can_write: number; expires_at: number;
  created_by: string; created_at: number; last_used_at: number | null; revoked_at: number | null;
  /** v21: 'api' (a machine calling the REST API) or 'wall' (the operations-centre wall, which reads GET /api/wall only). */
  kind: Generated<string>;
}

/** An integration account (registry/store/integration-accounts.ts): patterns as JSON arrays; a scrypt hash of its secret. */
export interface IntegrationAccountsTable {
  name: string; secret_hash: string; client_id_pattern: string; read_patterns: string; write_patterns: string;
  district_id: number | null; school_id: number | null; created_by: string; created_at: number; revoked_at: number | null;
  last_connected_at: number | null;
}

export interface RegistryDatabase {
  integration_accounts: IntegrationAccountsTable;
  api_tokens: ApiTokensTable;
  edges: EdgesTable;
  edge_cursors: EdgeCursorsTable;
  user_jobs: UserJobsTable;
  leases: LeasesTable;
  rate_limits: RateLimitsTable;
  meta: MetaTable;
  districts: DistrictsTable;
  schools: SchoolsTable;
  sites: SitesTable;
  rooms: RoomsTable;
  devices: DevicesTable;
  users: UsersTable;
  sessions: SessionsTable;
  maintenance_log: MaintenanceTable;
  audit_log: AuditTable;
  timetables: TimetablesTable;
  report_subscriptions: SubscriptionsTable;
  device_health: DeviceHealthTable;
  alerts: AlertsTable;
  alert_history: AlertHistoryTable;
  silences: SilencesTable;
  alert_rule_overrides: RuleOverridesTable;
  notification_recipients: NotificationRecipientsTable;
  notification_outbox: NotificationOutboxTable;
  notification_attempts: NotificationAttemptsTable;
  digest_claims: DigestClaimsTable;
  command_runs: CommandRunsTable;
  commands: CommandsTable;
  schedules: SchedulesTable;
  schedule_fires: ScheduleFiresTable;
}

interface Totals { tt: number; used: number; periods: number; periods_used: number; outside: number; covered: number; periods_uncovered: number }
export interface ReportDatabase {
  room_day: Totals & { room: number; day: string; school: number };
  room_month: Totals & { room: number; month: string; school: number };
  school_week: Totals & { school: number; week: string };
  heat_day: { school: number; day: string; weekday: number; slot: string; used: number; available: number };
  heat_month: { school: number; month: string; weekday: number; slot: string; used: number; available: number };
  device_day: { device: string; day: string; school: number; active_min: number };
  device_month: { device: string; month: string; school: number; active_min: number };
  usage_dirty_days: { day: string; marked_at: number };
}

export type Dialect = 'sqlite' | 'postgres';
