/** Schema migrations, applied in order by `PRAGMA user_version`; never edit one that has shipped, add the next. */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT INTO meta (key, value) VALUES ('rev', '0');
  CREATE TABLE districts (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
  CREATE TABLE schools (
    id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, level TEXT NOT NULL,
    district_id INTEGER REFERENCES districts(id), pupils INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE sites (id INTEGER PRIMARY KEY, school_id INTEGER NOT NULL REFERENCES schools(id), name TEXT NOT NULL, UNIQUE (school_id, name));
  CREATE TABLE rooms (
    id INTEGER PRIMARY KEY, site_id INTEGER NOT NULL REFERENCES sites(id), code TEXT NOT NULL, name TEXT NOT NULL,
    type TEXT NOT NULL, capacity INTEGER NOT NULL DEFAULT 0, UNIQUE (site_id, code)
  );
  CREATE TABLE devices (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, room_id INTEGER NOT NULL REFERENCES rooms(id), name TEXT NOT NULL,
    code TEXT UNIQUE, model TEXT, manufacturer TEXT, serial TEXT, secret_hash TEXT,
    created_at INTEGER NOT NULL, revoked_at INTEGER, rev INTEGER NOT NULL
  );
  CREATE INDEX devices_room ON devices(room_id);
  CREATE INDEX devices_rev ON devices(rev);
  CREATE TABLE users (
    id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, password_hash TEXT NOT NULL,
    role TEXT NOT NULL, scope TEXT NOT NULL DEFAULT '{}', created_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (sid TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
  `,
  // v2: the device record of a digital equipment register, the maintenance log and the audit log.
  `
  ALTER TABLE devices ADD COLUMN in_service_date TEXT;
  ALTER TABLE devices ADD COLUMN cost_vnd INTEGER;
  ALTER TABLE devices ADD COLUMN funding_source TEXT;
  ALTER TABLE devices ADD COLUMN warranty_end TEXT;
  ALTER TABLE devices ADD COLUMN service_life_years INTEGER;
  ALTER TABLE devices ADD COLUMN state TEXT NOT NULL DEFAULT 'in_use';
  ALTER TABLE devices ADD COLUMN notes TEXT;
  CREATE TABLE maintenance_log (
    id INTEGER PRIMARY KEY, device_id TEXT NOT NULL REFERENCES devices(id), at INTEGER NOT NULL, by_user TEXT NOT NULL, text TEXT NOT NULL
  );
  CREATE INDEX maintenance_device ON maintenance_log(device_id, at);
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY, at INTEGER NOT NULL, by_user TEXT NOT NULL, action TEXT NOT NULL, entity TEXT NOT NULL,
    entity_id TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX audit_at ON audit_log(at);
  `,
  // v3: retiring places (they keep their history, like retired devices) and disabling users.
  `
  ALTER TABLE districts ADD COLUMN retired_at INTEGER;
  ALTER TABLE schools ADD COLUMN retired_at INTEGER;
  ALTER TABLE sites ADD COLUMN retired_at INTEGER;
  ALTER TABLE rooms ADD COLUMN retired_at INTEGER;
  ALTER TABLE users ADD COLUMN disabled_at INTEGER;
  CREATE INDEX audit_entity ON audit_log(entity, entity_id);
  `,
  // v4: each school's timetable per term (periods, teaching days, holidays), as JSON; absent = the level's default.
  `
  CREATE TABLE timetables (
    school_id INTEGER NOT NULL REFERENCES schools(id), term TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL,
    data TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (school_id, term)
  );
  `,
  // v5: monthly planning reports by e-mail, each for the province or one district.
  `
  CREATE TABLE report_subscriptions (
    id INTEGER PRIMARY KEY, email TEXT NOT NULL, district_id INTEGER REFERENCES districts(id), created_by TEXT NOT NULL, created_at INTEGER NOT NULL,
    last_sent TEXT, UNIQUE (email, district_id)
  );
  `,
];
