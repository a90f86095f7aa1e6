/**
 * API tokens for machines calling the REST API (issue 22; docs/security.md, "API tokens"). The registry keeps a SHA-256
 * of each token, never the token: the token is shown once, when it is made. Creating and revoking one are audited.
 * Every dashboard process reads the same rows on every request, so a revocation holds at once everywhere.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { ApiTokenKind } from '../../api/tokens.js';
import { ROLES, type Role, type Scope } from '../types.js';
import { changed, inTx, invalid, notFound, num, type Ctx } from './context.js';
import { audit } from './logs.js';
import type { ApiTokensTable } from './schema.js';

/** A token as the registry keeps it: everything but the token itself. */
export interface ApiTokenRow {
  id: number; name: string; prefix: string; role: Role; scope: Scope; write: boolean; expiresAt: number;
  createdBy: string; createdAt: number; lastUsedAt: number | null; revokedAt: number | null;
  /** 'wall': the operations-centre wall's token, which reads GET /api/wall and nothing else (dashboard/server/security/api-tokens.ts). */
  kind: ApiTokenKind;
}

/** 'api': a machine calling the REST API; 'wall': the Sở's large screen (docs/security.md, "The wall token"). */
export const API_TOKEN_KINDS: readonly ApiTokenKind[] = ['api', 'wall'];

export interface NewApiToken { name: string; token: string; prefix: string; role: Role; scope: Scope; write: boolean; expiresAt: number; kind?: ApiTokenKind }

/**
 * What is stored of a token: SHA-256, unsalted and fast on purpose. A token is 256 random bits, so there is nothing to
 * guess and no dictionary to precompute; scrypt's slowness protects passwords people choose, and would only cost CPU
 * on every API request here.
 */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Last use is written at most this often per token: a busy integration does not turn every GET into a write. */
export const LAST_USED_EVERY_MS = 60_000;

const toRow = (r: Selectable<ApiTokensTable>): ApiTokenRow => ({
  id: Number(r.id), name: r.name, prefix: r.prefix, role: r.role as Role, scope: JSON.parse(r.scope) as Scope, write: Number(r.can_write) === 1,
  expiresAt: Number(r.expires_at), createdBy: r.created_by, createdAt: Number(r.created_at), lastUsedAt: num(r.last_used_at), revokedAt: num(r.revoked_at),
  kind: r.kind === 'wall' ? 'wall' : 'api',
});

export class ApiTokenStore {
  constructor(private readonly c: Ctx) {}

  /** Stores a new token's hash (audited as `token.create`, without the token). */
  async add(t: NewApiToken, byUser: string, at: number): Promise<ApiTokenRow> {
    if (!ROLES.includes(t.role)) throw invalid(`unknown role '${t.role}'; known: ${ROLES.join(', ')}`);
    if (!t.name.trim()) throw invalid('an API token needs a name');
    const kind = t.kind ?? 'api';
    if (!API_TOKEN_KINDS.includes(kind)) throw invalid(`unknown token kind '${String(kind)}'; known: ${API_TOKEN_KINDS.join(', ')}`);
    // A wall token reads and only reads, whatever the caller asked (dashboard/server/security/api-tokens.ts).
    if (kind === 'wall' && t.write) throw invalid('a wall token is read-only');
    return inTx(this.c, async (c) => {
      const r = await c.db.insertInto('api_tokens').values({
        name: t.name.trim(), token_hash: tokenHash(t.token), prefix: t.prefix, role: t.role, scope: JSON.stringify(t.scope), can_write: t.write ? 1 : 0,
        expires_at: t.expiresAt, created_by: byUser, created_at: at, last_used_at: null, revoked_at: null, kind,
      }).returning('id').executeTakeFirstOrThrow();
      const row = (await new ApiTokenStore(c).get(Number(r.id)))!;
      await audit(c, byUser, 'token.create', 'api_token', row.id, { name: row.name, prefix: row.prefix, kind: row.kind, role: row.role, scope: row.scope, write: row.write, expiresAt: row.expiresAt });
      return row;
    });
  }

  async get(id: number): Promise<ApiTokenRow | undefined> {
    const r = await this.c.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toRow(r);
  }

  /** Every token, newest first (revoked and expired ones too: the list is also their history). */
  async list(): Promise<ApiTokenRow[]> {
    return (await this.c.db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(toRow);
  }

  /**
   * The token a request presents, revoked or expired ones included (the caller says which). Found by its prefix, which
   * is not secret (the list shows it), then its hash compared in constant time: how long the answer takes tells
   * nothing about the secret part.
   */
  async find(token: string, prefix: string): Promise<ApiTokenRow | undefined> {
    const want = Buffer.from(tokenHash(token));
    const rows = await this.c.db.selectFrom('api_tokens').selectAll().where('prefix', '=', prefix).execute();
    let found: Selectable<ApiTokensTable> | undefined;
    for (const r of rows) {
      const have = Buffer.from(r.token_hash);
      if (have.length === want.length && timingSafeEqual(have, want)) found = r;
    }
    return found && toRow(found);
  }

  /** Notes that the token was used at `now`, unless that was already noted within the last minute (any process). */
  async touch(id: number, now: number): Promise<void> {
    await this.c.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - LAST_USED_EVERY_MS)])).execute();
  }

  /** Revokes a token (audited as `token.revoke`); revoking it again changes nothing. */
  async revoke(id: number, byUser: string, at: number): Promise<ApiTokenRow> {
    return inTx(this.c, async (c) => {
      const r = await c.db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      const row = await new ApiTokenStore(c).get(id);
      if (!row) throw notFound(`no API token with id ${id}`);
      if (changed(r)) await audit(c, byUser, 'token.revoke', 'api_token', id, { name: row.name, prefix: row.prefix });
      return row;
    });
  }
}
