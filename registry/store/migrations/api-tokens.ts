/** Registry migrations of API tokens (issue 22), apart from registry.ts, which is at its 300-line limit. */
import { types, type Migration } from './helpers.js';

// v19: API tokens for machines calling the REST API (registry/store/api-tokens.ts; docs/security.md, "API tokens"): a
// SHA-256 of each token (never the token), a short prefix to recognise it by, the role, scope and write flag it acts
// with, a required expiry, when it was last used (at most once a minute) and when it was revoked.
export const v19: Migration = async (db, dialect) => {
  const t = types(dialect);
  await db.schema.createTable('api_tokens').addColumn('id', 'integer', t.id).addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique()).addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull()).addColumn('scope', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('can_write', 'integer', (c) => c.notNull().defaultTo(0)).addColumn('expires_at', t.ms, (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull()).addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('last_used_at', t.ms).addColumn('revoked_at', t.ms).execute();
  // A request finds its token by the visible prefix (not secret), then compares the hash in constant time.
  await db.schema.createIndex('api_tokens_prefix').on('api_tokens').column('prefix').execute();
};

// v21: the kind of a token (issue 22, the operations-centre wall): 'api' for a machine calling the REST API, 'wall' for
// the Sở's large screen, which may read GET /api/wall and nothing else (dashboard/server/security/api-tokens.ts).
// Existing tokens are 'api', as they were made.
export const v21: Migration = async (db) => {
  await db.schema.alterTable('api_tokens').addColumn('kind', 'text', (c) => c.notNull().defaultTo('api')).execute();
};
