/** Registry step v9 copies presence out of the signals' JSON of rows written before it, on both engines. */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../registry/store/migrations/helpers.js';
import { REGISTRY_MIGRATIONS } from '../../registry/store/migrations/registry.js';
import { openSqlite } from '../../registry/store/sqlite.js';
import { ENGINES, useEngines } from '../helpers/engines.js';
import { tempDir } from '../helpers/stack.js';

const engines = useEngines();
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe.each(ENGINES)('registry step v9 on %s', (engine) => {
  it('fills the presence columns of existing health rows, and the list sorts on them', async () => {
    const dir = tempDir('edufleet-v9-');
    dirs.push(dir);
    const url = await engines.url(engine);
    const db = engine === 'postgres'
      ? new Kysely<never>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }) })
      : new Kysely<never>({ dialect: new SqliteDialect({ database: openSqlite(path.join(dir, 'registry.sqlite')) }) });
    // Every step before v9, as a database written before it would be.
    await migrate(db, engine, 'registry', REGISTRY_MIGRATIONS.slice(0, 8));
    await sql`INSERT INTO districts (code, name) VALUES ('D', 'Huyện')`.execute(db);
    await sql`INSERT INTO schools (code, name, level, district_id) VALUES ('S', 'Trường', 'thcs', 1)`.execute(db);
    await sql`INSERT INTO sites (school_id, name) VALUES (1, 'Điểm chính')`.execute(db);
    await sql`INSERT INTO rooms (site_id, code, name, type) VALUES (1, 'P1', 'Phòng 1', 'smart_classroom')`.execute(db);
    for (const id of ['tablet-on', 'tablet-off', 'tablet-judged']) {
      await sql`INSERT INTO devices (id, kind, room_id, name, created_at, rev) VALUES (${id}, 'tablet', 1, ${id}, 0, 1)`.execute(db);
    }
    await sql`INSERT INTO device_health (device_id, signals, updated_at) VALUES
      ('tablet-on', ${JSON.stringify({ presence: 'online', presenceSince: 1000 })}, 5),
      ('tablet-off', ${JSON.stringify({ presence: 'offline', presenceSince: 2000 })}, 5),
      ('tablet-judged', '{}', 0)`.execute(db);
    await db.destroy();

    const store = await engines.store(url, dir);
    const { devices } = await store.healthViews({});
    expect(devices.map((d) => [d.id, d.presence, d.presenceSince])).toEqual([['tablet-off', 'offline', 2000], ['tablet-judged', 'never', null], ['tablet-on', 'online', 1000]]);
    expect((await store.healthViews({ presence: 'offline' })).devices.map((d) => d.id)).toEqual(['tablet-off']);
    await store.close();
  });
});
