/**
 * The registry's schema steps: the first five are those of the old registry/migrations.ts (an SQLite file at
 * user_version 5 made by the old code needs only the later ones), written once with Kysely's schema builder for both engines. Never edit a shipped
 * step: add the next.
 */
import { sql } from 'kysely';
import { types, type Migration } from './helpers.js';
import { v18 } from './edges.js';
import { v19, v21 } from './api-tokens.js';
import { v20, v22 } from './integration-accounts.js';

const v1: Migration = async (db, dialect) => {
  const t = types(dialect);
  const s = db.schema;
  await s.createTable('meta').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', (c) => c.notNull()).execute();
  await sql`INSERT INTO meta (key, value) VALUES ('rev', '0')`.execute(db);
  await s.createTable('districts').addColumn('id', 'integer', t.id).addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull()).execute();
  await s.createTable('schools').addColumn('id', 'integer', t.id).addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull()).addColumn('level', 'text', (c) => c.notNull())
    .addColumn('district_id', 'integer', (c) => c.references('districts.id')).addColumn('pupils', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await s.createTable('sites').addColumn('id', 'integer', t.id).addColumn('school_id', 'integer', (c) => c.notNull().references('schools.id'))
    .addColumn('name', 'text', (c) => c.notNull()).addUniqueConstraint('sites_school_name', ['school_id', 'name']).execute();
  await s.createTable('rooms').addColumn('id', 'integer', t.id).addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id'))
    .addColumn('code', 'text', (c) => c.notNull()).addColumn('name', 'text', (c) => c.notNull()).addColumn('type', 'text', (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull().defaultTo(0)).addUniqueConstraint('rooms_site_code', ['site_id', 'code']).execute();
  await s.createTable('devices').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('room_id', 'integer', (c) => c.notNull().references('rooms.id')).addColumn('name', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.unique()).addColumn('model', 'text').addColumn('manufacturer', 'text').addColumn('serial', 'text')
    .addColumn('secret_hash', 'text').addColumn('created_at', t.ms, (c) => c.notNull()).addColumn('revoked_at', t.ms)
    .addColumn('rev', t.ms, (c) => c.notNull()).execute();
  await s.createIndex('devices_room').on('devices').column('room_id').execute();
  await s.createIndex('devices_rev').on('devices').column('rev').execute();
  await s.createTable('users').addColumn('id', 'integer', t.id).addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull()).addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull()).addColumn('scope', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', t.ms, (c) => c.notNull()).execute();
  await s.createTable('sessions').addColumn('sid', 'text', (c) => c.primaryKey()).addColumn('data', 'text', (c) => c.notNull())
    .addColumn('expires_at', t.ms, (c) => c.notNull()).execute();
};

// v2: the device record of a digital equipment register, the maintenance log and the audit log.
const v2: Migration = async (db, dialect) => {
  const t = types(dialect);
  const s = db.schema;
  for (const [col, type] of [['in_service_date', 'text'], ['cost_vnd', t.ms], ['funding_source', 'text'], ['warranty_end', 'text'], ['service_life_years', 'integer']] as const) {
    await s.alterTable('devices').addColumn(col, type).execute();
  }
  await s.alterTable('devices').addColumn('state', 'text', (c) => c.notNull().defaultTo('in_use')).execute();
  await s.alterTable('devices').addColumn('notes', 'text').execute();
  await s.createTable('maintenance_log').addColumn('id', 'integer', t.id).addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('at', t.ms, (c) => c.notNull()).addColumn('by_user', 'text', (c) => c.notNull()).addColumn('text', 'text', (c) => c.notNull()).execute();
  await s.createIndex('maintenance_device').on('maintenance_log').columns(['device_id', 'at']).execute();
  await s.createTable('audit_log').addColumn('id', 'integer', t.id).addColumn('at', t.ms, (c) => c.notNull())
    .addColumn('by_user', 'text', (c) => c.notNull()).addColumn('action', 'text', (c) => c.notNull()).addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull()).addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  await s.createIndex('audit_at').on('audit_log').column('at').execute();
};

// v3: retiring places (they keep their history, like retired devices) and disabling users.
const v3: Migration = async (db, dialect) => {
  const t = types(dialect);
  for (const table of ['districts', 'schools', 'sites', 'rooms']) await db.schema.alterTable(table).addColumn('retired_at', t.ms).execute();
  await db.schema.alterTable('users').addColumn('disabled_at', t.ms).execute();
  await db.schema.createIndex('audit_entity').on('audit_log').columns(['entity', 'entity_id']).execute();
};

// v4: each school's timetable per term (periods, teaching days, holidays), as JSON; absent = the level's default.
const v4: Migration = async (db, dialect) => {
  await db.schema.createTable('timetables').addColumn('school_id', 'integer', (c) => c.notNull().references('schools.id'))
    .addColumn('term', 'text', (c) => c.notNull()).addColumn('start', 'text', (c) => c.notNull()).addColumn('end', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull()).addColumn('updated_at', types(dialect).ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('timetables_pk', ['school_id', 'term']).execute();
};

// v5: monthly planning reports by e-mail, each for the province or one district.
const v5: Migration = async (db, dialect) => {
  const t = types(dialect);
  await db.schema.createTable('report_subscriptions').addColumn('id', 'integer', t.id).addColumn('email', 'text', (c) => c.notNull())
    .addColumn('district_id', 'integer', (c) => c.references('districts.id')).addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', t.ms, (c) => c.notNull()).addColumn('last_sent', 'text')
    .addUniqueConstraint('report_subscriptions_email_district', ['email', 'district_id']).execute();
};

// v6: one province-wide subscription per address. The UNIQUE of v5 lets NULL districts repeat (both engines keep
// NULLs distinct), and asking first raced between processes; duplicates that race made are dropped, the oldest kept.
const v6: Migration = async (db) => {
  await sql`DELETE FROM report_subscriptions WHERE district_id IS NULL
    AND id NOT IN (SELECT min(id) FROM report_subscriptions WHERE district_id IS NULL GROUP BY email)`.execute(db);
  await sql`CREATE UNIQUE INDEX report_subscriptions_email_province ON report_subscriptions (email) WHERE district_id IS NULL`.execute(db);
};

// v7: device health and alerts (docs/alerts.md). `device_health` is the shared live state the gateways write and
// every process reads; an open alert is unique per (rule, device), so two processes judging the same condition
// open one alert; rule overrides use '' / 0 for "any" so their UNIQUE key holds on both engines.
const v7: Migration = async (db, dialect) => {
  const t = types(dialect);
  const s = db.schema;
  await s.createTable('device_health').addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id'))
    .addColumn('signals', 'text', (c) => c.notNull()).addColumn('level', 'text', (c) => c.notNull().defaultTo('ok'))
    .addColumn('reasons', 'text', (c) => c.notNull().defaultTo('[]')).addColumn('updated_at', t.ms, (c) => c.notNull())
    .addColumn('judged_at', t.ms, (c) => c.notNull().defaultTo(0)).execute();
  await s.createIndex('device_health_updated').on('device_health').column('updated_at').execute();
  await s.createTable('alerts').addColumn('id', 'integer', t.id).addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id')).addColumn('school_id', 'integer', (c) => c.notNull())
    .addColumn('room_id', 'integer', (c) => c.notNull()).addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull()).addColumn('value', t.real).addColumn('field', 'text')
    .addColumn('started_at', t.ms, (c) => c.notNull()).addColumn('fired_at', t.ms).addColumn('clear_since', t.ms)
    .addColumn('acked_at', t.ms).addColumn('acked_by', 'text').addColumn('ack_comment', 'text')
    .addColumn('resolved_at', t.ms).addColumn('resolved_by', 'text').addColumn('resolve_reason', 'text')
    .addColumn('last_notified_at', t.ms).addColumn('notify_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', t.ms, (c) => c.notNull()).execute();
  await sql`CREATE UNIQUE INDEX alerts_open ON alerts (rule, device_id) WHERE state <> 'resolved'`.execute(db);
  await s.createIndex('alerts_school_state').on('alerts').columns(['school_id', 'state']).execute();
  await s.createIndex('alerts_updated').on('alerts').column('updated_at').execute();
  await s.createTable('alert_history').addColumn('id', 'integer', t.id).addColumn('alert_id', 'integer', (c) => c.notNull().references('alerts.id'))
    .addColumn('at', t.ms, (c) => c.notNull()).addColumn('state', 'text', (c) => c.notNull()).addColumn('by_user', 'text')
    .addColumn('comment', 'text').execute();
  await s.createIndex('alert_history_alert').on('alert_history').columns(['alert_id', 'at']).execute();
  await s.createTable('silences').addColumn('id', 'integer', t.id).addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull()).addColumn('school_id', 'integer', (c) => c.notNull())
    .addColumn('until', t.ms, (c) => c.notNull()).addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull()).addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('ended_at', t.ms).addColumn('ended_by', 'text').execute();
  await s.createIndex('silences_until').on('silences').column('until').execute();
  await s.createTable('alert_rule_overrides').addColumn('id', 'integer', t.id).addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('')).addColumn('school_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('room_type', 'text', (c) => c.notNull().defaultTo('')).addColumn('params', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull()).addColumn('updated_at', t.ms, (c) => c.notNull())
    .addUniqueConstraint('alert_rule_overrides_key', ['rule', 'kind', 'school_id', 'room_type']).execute();
};

// v8: alert notifications (docs/alerts.md, "Notifications"). The outbox is written in the transaction of the alert
// change; a dispatcher leases rows (claimed_until) so two processes never send one row; a digest is claimed per
// (school, local date) by its primary key, so it goes out once whatever the number of processes.
const v8: Migration = async (db, dialect) => {
  const t = types(dialect);
  const s = db.schema;
  await s.createTable('notification_recipients').addColumn('id', 'integer', t.id)
    .addColumn('school_id', 'integer', (c) => c.references('schools.id')).addColumn('district_id', 'integer', (c) => c.references('districts.id'))
    .addColumn('min_severity', 'text', (c) => c.notNull()).addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull()).addColumn('secret', 'text').addColumn('language', 'text', (c) => c.notNull())
    .addColumn('digest', 'integer', (c) => c.notNull().defaultTo(0)).addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', t.ms, (c) => c.notNull()).addColumn('removed_at', t.ms).execute();
  await s.createTable('notification_outbox').addColumn('id', 'integer', t.id)
    .addColumn('recipient_id', 'integer', (c) => c.notNull().references('notification_recipients.id'))
    .addColumn('school_id', 'integer', (c) => c.notNull()).addColumn('event', 'text', (c) => c.notNull())
    .addColumn('created_at', t.ms, (c) => c.notNull()).addColumn('due_at', t.ms, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).addColumn('claimed_by', 'text')
    .addColumn('claimed_until', t.ms, (c) => c.notNull().defaultTo(0)).addColumn('sent_at', t.ms).addColumn('last_error', 'text').execute();
  await s.createIndex('notification_outbox_due').on('notification_outbox').columns(['sent_at', 'due_at']).execute();
  await s.createIndex('notification_outbox_recipient').on('notification_outbox').columns(['recipient_id', 'sent_at']).execute();
  await s.createTable('notification_attempts').addColumn('id', 'integer', t.id)
    .addColumn('recipient_id', 'integer', (c) => c.notNull().references('notification_recipients.id'))
    .addColumn('at', t.ms, (c) => c.notNull()).addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('items', 'integer', (c) => c.notNull()).addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('status', 'integer').addColumn('error', 'text').execute();
  await s.createIndex('notification_attempts_recipient').on('notification_attempts').columns(['recipient_id', 'at']).execute();
  await s.createTable('digest_claims').addColumn('school_id', 'integer', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull()).addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('claimed_at', t.ms, (c) => c.notNull()).addColumn('sent_at', t.ms)
    .addPrimaryKeyConstraint('digest_claims_pk', ['school_id', 'day']).execute();
};

// v9 (v8 is the notifications' step, merged before this one): presence and its time as columns beside the signals'
// JSON, so the worst-first list of 20,000 devices sorts and filters on columns; judged_at indexed for the live push.
const v9: Migration = async (db, dialect) => {
  const t = types(dialect);
  await db.schema.alterTable('device_health').addColumn('presence', 'text', (c) => c.notNull().defaultTo('never')).execute();
  await db.schema.alterTable('device_health').addColumn('presence_since', t.ms).execute();
  await (dialect === 'postgres'
    ? sql`UPDATE device_health SET presence = COALESCE(signals::json ->> 'presence', 'never'), presence_since = CAST(signals::json ->> 'presenceSince' AS BIGINT)`
    : sql`UPDATE device_health SET presence = COALESCE(json_extract(signals, '$.presence'), 'never'), presence_since = json_extract(signals, '$.presenceSince')`).execute(db);
  await db.schema.createIndex('device_health_judged').on('device_health').column('judged_at').execute();
};

// v10: remote commands, bulk runs and schedules (docs/commands.md, "Storage"). A command is a row, not a process's
// memory, so whichever process a device reconnects to sends what waits for it; a schedule's run is claimed by the
// primary key (schedule_id, fire_at), so of several processes exactly one fires it. A command keeps the school it was
// sent in (scope and audit stay true after the device moves).
const v10: Migration = async (db, dialect) => {
  const t = types(dialect);
  const s = db.schema;
  await s.createTable('command_runs').addColumn('id', 'integer', t.id).addColumn('name', 'text', (c) => c.notNull())
    .addColumn('args', 'text', (c) => c.notNull()).addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull()).addColumn('school_id', 'integer', (c) => c.references('schools.id'))
    .addColumn('district_id', 'integer', (c) => c.references('districts.id')).addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull()).addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('rate_per_min', 'integer').addColumn('abort_failed_pct', t.real)
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('running')).addColumn('ended_at', t.ms)
    .addColumn('ended_by', 'text').addColumn('end_reason', 'text').execute();
  await s.createIndex('command_runs_school').on('command_runs').columns(['school_id', 'created_at']).execute();
  await s.createTable('commands').addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'integer', (c) => c.references('command_runs.id'))
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id')).addColumn('school_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull()).addColumn('args', 'text', (c) => c.notNull())
    .addColumn('created_at', t.ms, (c) => c.notNull()).addColumn('expires_at', t.ms, (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('queued')).addColumn('state_at', t.ms, (c) => c.notNull())
    .addColumn('sent_at', t.ms).addColumn('delivered_at', t.ms).addColumn('finished_at', t.ms)
    .addColumn('result_ok', 'integer').addColumn('result_message', 'text').addColumn('cancelled_by', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull()).execute();
  await s.createIndex('commands_device_state').on('commands').columns(['device_id', 'state', 'created_at']).execute();
  await s.createIndex('commands_device_created').on('commands').columns(['device_id', 'created_at']).execute();
  await s.createIndex('commands_run').on('commands').columns(['run_id', 'state']).execute();
  await s.createIndex('commands_state_expiry').on('commands').columns(['state', 'expires_at']).execute();
  await s.createTable('schedules').addColumn('id', 'integer', t.id)
    .addColumn('school_id', 'integer', (c) => c.notNull().references('schools.id')).addColumn('name', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull()).addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('command', 'text', (c) => c.notNull()).addColumn('args', 'text', (c) => c.notNull())
    .addColumn('days', 'text', (c) => c.notNull()).addColumn('at', 'text', (c) => c.notNull()).addColumn('until', 'text')
    .addColumn('until_command', 'text').addColumn('until_args', 'text')
    .addColumn('skip_holidays', 'integer', (c) => c.notNull().defaultTo(1)).addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('rate_per_min', 'integer').addColumn('abort_failed_pct', t.real)
    .addColumn('created_by', 'text', (c) => c.notNull()).addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('updated_at', t.ms, (c) => c.notNull()).addColumn('last_fire_at', t.ms).addColumn('deleted_at', t.ms).execute();
  await s.createIndex('schedules_school').on('schedules').column('school_id').execute();
  await s.createTable('schedule_fires').addColumn('schedule_id', 'integer', (c) => c.notNull().references('schedules.id'))
    .addColumn('fire_at', t.ms, (c) => c.notNull()).addColumn('part', 'text', (c) => c.notNull().defaultTo('at'))
    .addColumn('state', 'text', (c) => c.notNull()).addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('claimed_at', t.ms, (c) => c.notNull()).addColumn('done_at', t.ms)
    .addColumn('run_id', 'integer', (c) => c.references('command_runs.id')).addColumn('note', 'text')
    .addPrimaryKeyConstraint('schedule_fires_pk', ['schedule_id', 'fire_at']).execute();
};

// v11: bulk runs and schedules aim at a place and optionally one kind ("the boards of this school"); a rollout
// releases a run's commands over time (`not_before`, from its rate), so every process's delivery holds back the same
// ones; a run keeps its commands' time to live and the schedule that made it; the live push reads changes by
// state_at.
const v11: Migration = async (db, dialect) => {
  const t = types(dialect);
  const s = db.schema;
  await s.alterTable('commands').addColumn('not_before', t.ms).execute();
  await s.createIndex('commands_state_at').on('commands').column('state_at').execute();
  await s.alterTable('command_runs').addColumn('target_kind', 'text').execute();
  await s.alterTable('command_runs').addColumn('ttl_ms', t.ms).execute();
  await s.alterTable('command_runs').addColumn('schedule_id', 'integer', (c) => c.references('schedules.id')).execute();
  await s.alterTable('schedules').addColumn('target_kind', 'text').execute();
  await s.alterTable('schedules').addColumn('ttl_ms', t.ms).execute();
};

// v12: login rate limits counted in the registry, so every dashboard process shares them (docs/security.md).
const v12: Migration = async (db, dialect) => {
  const t = types(dialect);
  await db.schema.createTable('rate_limits').addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_start', t.ms, (c) => c.notNull()).addColumn('count', 'integer', (c) => c.notNull()).execute();
};

// v13: a fast verifier of each device's secret, written at its first scrypt verification, so a broker restart does not
// make every device of a province pay scrypt again at once (docs/security.md, "Device secret verifiers").
const v13: Migration = async (db) => {
  await db.schema.alterTable('devices').addColumn('secret_verifier', 'text').execute();
};

// v14: the sessions table is keyed by a SHA-256 of the session id (registry/store/users.ts, `sessionKey`). Rows written
// before were keyed by the id itself; hashing them in SQL differs per engine, so they are deleted: everyone logs in
// again once after the upgrade (docs/security.md, "Web application").
const v14: Migration = async (db) => {
  await sql`DELETE FROM sessions`.execute(db);
};

// v15: webhook delivery (docs/alerts.md, "Notifications"): the delivery id a message keeps over its retries, the
// attempt after which a row was given up, and both in the attempts log.
const v15: Migration = async (db, dialect) => {
  const t = types(dialect);
  const s = db.schema;
  await s.alterTable('notification_outbox').addColumn('delivery_id', 'text').execute();
  await s.alterTable('notification_outbox').addColumn('gave_up_at', t.ms).execute();
  await s.alterTable('notification_attempts').addColumn('delivery_id', 'text').execute();
  await s.alterTable('notification_attempts').addColumn('gave_up', 'integer', (c) => c.notNull().defaultTo(0)).execute();
};

// v16: leases on the background jobs (registry/store/leases.ts; docs/operations.md, "Background jobs"): the process
// that holds each job, until when, and the term that grows at each change of holder; and the lease of a monthly report
// being sent, so that one whose sender died is sent by another process.
const v16: Migration = async (db, dialect) => {
  const t = types(dialect);
  await db.schema.alterTable('report_subscriptions').addColumn('sending_until', t.ms).execute();
  await db.schema.createTable('leases').addColumn('name', 'text', (c) => c.primaryKey()).addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('term', t.ms, (c) => c.notNull()).addColumn('acquired_at', t.ms, (c) => c.notNull())
    .addColumn('expires_at', t.ms, (c) => c.notNull()).execute();
};

// v17: the web app's import and export jobs (registry/store/jobs.ts; docs/architecture.md, "State held in memory"): a
// row per job with its view and, once made, its file (an export, a preview's parsed sheet), so any dashboard answers
// the browser's polls, downloads and confirmations.
const v17: Migration = async (db, dialect) => {
  const t = types(dialect);
  await db.schema.createTable('user_jobs').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull()).addColumn('status', 'text', (c) => c.notNull())
    .addColumn('view', 'text', (c) => c.notNull()).addColumn('file', dialect === 'postgres' ? 'bytea' : 'blob')
    .addColumn('touched_at', t.ms, (c) => c.notNull()).execute();
  await db.schema.createIndex('user_jobs_user').on('user_jobs').columns(['user_id', 'kind', 'touched_at']).execute();
  await db.schema.createIndex('user_jobs_touched').on('user_jobs').column('touched_at').execute();
};

// v18: edge nodes and their cursors (issue 21), in migrations/edges.ts: this file is at its 300-line limit.
// v19: API tokens (issue 22), and v21: their kind ('api' or 'wall'), in migrations/api-tokens.ts.
// v20: integration accounts (issue 22), and v22: an account's last connection, in migrations/integration-accounts.ts.
export const REGISTRY_MIGRATIONS: Migration[] = [v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15, v16, v17, v18, v19, v20, v21, v22];
