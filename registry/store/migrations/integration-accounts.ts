/** Registry migration of integration accounts (issue 22), apart from registry.ts, which is at its 300-line limit. */
import { types, type Migration } from './helpers.js';

// v20: integration accounts, MQTT clients that are not devices (registry/store/integration-accounts.ts; docs/security.md,
// "Integration accounts"): a name (the MQTT username), a scrypt hash of its secret (never the secret), a client-id glob,
// the topic filters it may read and write (JSON arrays), a district or a school it is limited to (none: the province),
// who made it and when, and when it was revoked (never deleted: the audit log names it).
export const v20: Migration = async (db, dialect) => {
  const t = types(dialect);
  await db.schema.createTable('integration_accounts').addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull()).addColumn('client_id_pattern', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('read_patterns', 'text', (c) => c.notNull().defaultTo('[]')).addColumn('write_patterns', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('district_id', 'integer', (c) => c.references('districts.id')).addColumn('school_id', 'integer', (c) => c.references('schools.id'))
    .addColumn('created_by', 'text', (c) => c.notNull()).addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('revoked_at', t.ms).execute();
};

// v22: when a client of an integration account last logged in (the web app's "Tài khoản tích hợp" list), written by
// the broker at most once a minute per account (registry/store/integration-accounts.ts noteConnected).
export const v22: Migration = async (db, dialect) => {
  const t = types(dialect);
  await db.schema.alterTable('integration_accounts').addColumn('last_connected_at', t.ms).execute();
};
