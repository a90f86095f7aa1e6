/**
 * The report store's tables (usage rollups shaped for reports). The old code created them with IF NOT EXISTS and no
 * version, so the first step does the same: an existing usage.sqlite passes through it unchanged.
 */
import { sql } from 'kysely';
import { types, type Migration } from './helpers.js';

const v1: Migration = async (db, dialect) => {
  const { real } = types(dialect);
  const s = db.schema;
  for (const [table, key] of [['room_day', 'day'], ['room_month', 'month']] as const) {
    await s.createTable(table).ifNotExists().addColumn('room', 'integer', (c) => c.notNull()).addColumn(key, 'text', (c) => c.notNull())
      .addColumn('school', 'integer', (c) => c.notNull()).addColumn('tt', real, (c) => c.notNull()).addColumn('used', real, (c) => c.notNull())
      .addColumn('periods', 'integer', (c) => c.notNull()).addColumn('periods_used', 'integer', (c) => c.notNull()).addColumn('outside', real, (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['room', key]).execute();
    await s.createIndex(`${table}_${key}`).ifNotExists().on(table).columns([key, 'school']).execute();
  }
  await s.createTable('school_week').ifNotExists().addColumn('school', 'integer', (c) => c.notNull()).addColumn('week', 'text', (c) => c.notNull())
    .addColumn('tt', real, (c) => c.notNull()).addColumn('used', real, (c) => c.notNull()).addColumn('periods', 'integer', (c) => c.notNull())
    .addColumn('periods_used', 'integer', (c) => c.notNull()).addColumn('outside', real, (c) => c.notNull())
    .addPrimaryKeyConstraint('school_week_pk', ['school', 'week']).execute();
  for (const [table, key, pk] of [['heat_day', 'day', ['school', 'day', 'slot']], ['heat_month', 'month', ['school', 'month', 'weekday', 'slot']]] as const) {
    await s.createTable(table).ifNotExists().addColumn('school', 'integer', (c) => c.notNull()).addColumn(key, 'text', (c) => c.notNull())
      .addColumn('weekday', 'integer', (c) => c.notNull()).addColumn('slot', 'text', (c) => c.notNull())
      .addColumn('used', 'integer', (c) => c.notNull()).addColumn('available', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, [...pk]).execute();
  }
  await s.createIndex('heat_day_day').ifNotExists().on('heat_day').column('day').execute();
  for (const [table, key] of [['device_day', 'day'], ['device_month', 'month']] as const) {
    await s.createTable(table).ifNotExists().addColumn('device', 'text', (c) => c.notNull()).addColumn(key, 'text', (c) => c.notNull())
      .addColumn('school', 'integer', (c) => c.notNull()).addColumn('active_min', real, (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['device', key]).execute();
  }
  await s.createIndex('device_day_day').ifNotExists().on('device_day').column('day').execute();
};

/**
 * Coverage: timetabled minutes the room's devices' data covered. Days analysed before it was measured are taken as
 * whole (as they were reported); `edufleet usage analyse` measures them. Days that late data reached wait in
 * `usage_dirty_days` for the usage loop to analyse them again.
 */
const v2: Migration = async (db, dialect) => {
  const { real, ms } = types(dialect);
  for (const table of ['room_day', 'room_month', 'school_week']) {
    await db.schema.alterTable(table).addColumn('covered', real, (c) => c.notNull().defaultTo(0)).execute();
    await sql`UPDATE ${sql.table(table)} SET covered = tt`.execute(db);
  }
  await db.schema.createTable('usage_dirty_days').ifNotExists().addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('marked_at', ms, (c) => c.notNull()).execute();
};

/**
 * Coverage of periods: periods the room's data did not cover (usage/utilisation.ts `periodCovered`), left out of
 * period utilisation. Rows written before it count none (every period covered, as they were reported);
 * `edufleet usage analyse` measures them.
 */
const v3: Migration = async (db) => {
  for (const table of ['room_day', 'room_month', 'school_week']) {
    await db.schema.alterTable(table).addColumn('periods_uncovered', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  }
};

export const REPORT_MIGRATIONS: Migration[] = [v1, v2, v3];
