/** Registry migrations of edge nodes (issue 21), apart from registry.ts, which is at its 300-line limit. */
import { types, type Migration } from './helpers.js';

// v18: edge nodes (issue 21; registry/store/edges.ts, docs/architecture.md "Edge nodes"): each edge of a site with its
// public keys (Ed25519 to check what it signs, X25519 to encrypt what is sent down to it), its last contact and what it
// last reported; and per edge and device the last q applied, which makes every record applied once.
export const v18: Migration = async (db, dialect) => {
  const t = types(dialect);
  await db.schema.createTable('edges').addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('site_id', 'integer', (c) => c.notNull().references('sites.id')).addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sign_key', 'text', (c) => c.notNull().unique()).addColumn('box_key', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull()).addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('revoked_at', t.ms).addColumn('last_contact_at', t.ms).addColumn('last_report', 'text').execute();
  await db.schema.createTable('edge_cursors').addColumn('edge_id', 'text', (c) => c.notNull().references('edges.id'))
    .addColumn('device_id', 'text', (c) => c.notNull()).addColumn('seq', t.ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('edge_cursors_pk', ['edge_id', 'device_id']).execute();
};
