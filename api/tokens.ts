/** API tokens for machines calling the REST API (issue 22; docs/security.md and docs/integration.md, "API tokens"). Admins only. */
import { Type, type Static } from '@sinclair/typebox';
import { Role, Scope } from './common.js';
import { lit, Nullable, Obj } from './kit.js';

export { API_TOKEN_MAX_DAYS } from './constants.js';

/** `active` until `expiresAt` or a revocation; a revoked token stays `revoked` whatever its expiry. */
export const ApiTokenState = lit(['active', 'expired', 'revoked']);
export type ApiTokenState = Static<typeof ApiTokenState>;

/**
 * `api` (the default): a machine calling the REST API. `wall`: the operations-centre wall's screen, which may read
 * GET /api/wall and nothing else, never write (docs/integration.md, "The operations-centre wall").
 */
export const ApiTokenKind = lit(['api', 'wall']);
export type ApiTokenKind = Static<typeof ApiTokenKind>;

/** A token as the list shows it: never the token itself, only its first characters to recognise it by. Times are UTC ms. */
export const ApiTokenView = Obj({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: '`efk_` and the token\'s next 8 characters.' }),
  kind: ApiTokenKind,
  role: Role,
  scope: Scope,
  write: Type.Boolean({ description: 'false (the default): every request but GET and HEAD is refused, whatever the role may do.' }),
  expiresAt: Type.Number(),
  createdBy: Type.String(),
  createdAt: Type.Number(),
  lastUsedAt: Nullable(Type.Number(), { description: 'Noted at most once a minute.' }),
  revokedAt: Nullable(Type.Number()),
  state: ApiTokenState,
});
export type ApiTokenView = Static<typeof ApiTokenView>;

/**
 * POST /api/tokens: `expiresAt` (UTC ms) is required, in the future and at most a year ahead (`API_TOKEN_MAX_DAYS`);
 * `scope` as a user's (districts or schools; empty for the whole province); `write` false unless given.
 */
export const NewApiTokenInput = Obj({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  role: Role,
  scope: Type.Optional(Scope),
  write: Type.Optional(Type.Boolean()),
  expiresAt: Type.Integer({ minimum: 0 }),
  kind: Type.Optional(ApiTokenKind),
});
export type NewApiTokenInput = Static<typeof NewApiTokenInput>;

/**
 * The answer to POST /api/tokens: the token itself, this once; the registry keeps only its hash. A wall token is made
 * with the planner role (whatever `role` said) and read-only; the admin opens the wall at `/wall#token=<token>`.
 */
export const NewApiTokenResponse = Obj({ token: Type.String(), view: ApiTokenView });
export type NewApiTokenResponse = Static<typeof NewApiTokenResponse>;

export const ApiTokenListResponse = Obj({ tokens: Type.Array(ApiTokenView), generatedAt: Type.Number() });
export type ApiTokenListResponse = Static<typeof ApiTokenListResponse>;
