import { EdufleetError } from '../../lib/errors.js';
import type { ApiTokenRow, RegistryStore, User } from '../../registry/index.js';
import { API_TOKEN_MAX_DAYS, type ApiTokenListResponse, type ApiTokenView, type NewApiTokenInput, type NewApiTokenResponse } from '../../api/index.js';
import { newApiToken } from './security/api-tokens.js';

const DAY_MS = 86_400_000;

/** A token as the list shows it (never the token: the registry does not have it). */
export function tokenView(t: ApiTokenRow, now: number): ApiTokenView {
  const state = t.revokedAt !== null ? 'revoked' : t.expiresAt <= now ? 'expired' : 'active';
  return {
    id: t.id, name: t.name, prefix: t.prefix, kind: t.kind, role: t.role, scope: t.scope, write: t.write, expiresAt: t.expiresAt, createdBy: t.createdBy,
    createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt, state,
  };
}

/**
 * Makes a token for a machine (the route has checked `tokens.manage`): read-only unless `write`, with an expiry that
 * must come, at most a year ahead. The answer carries the token this once; the registry keeps its hash (audited).
 */
export async function createApiToken(user: User, registry: RegistryStore, input: NewApiTokenInput, now: number): Promise<NewApiTokenResponse> {
  if (input.expiresAt <= now) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'expiresAt must be in the future');
  if (input.expiresAt > now + API_TOKEN_MAX_DAYS * DAY_MS) {
    throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', `expiresAt may be at most ${API_TOKEN_MAX_DAYS} days ahead: a token that never has to be replaced is one nobody remembers to revoke`);
  }
  const { token, prefix } = newApiToken();
  const kind = input.kind ?? 'api';
  // A wall token reads the wall of its scope and nothing else (security/api-tokens.ts): the planner role is the one that
  // reads the wall within a scope (scope.ts, 'wall.read'), and writing is never asked of it.
  if (kind === 'wall' && input.write) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', 'a wall token is read-only: leave write unset');
  const role = kind === 'wall' ? 'planner' : input.role;
  // An admin's token sees the province whatever scope is sent, as an admin does (scope.ts).
  const scope = role === 'admin' ? {} : input.scope ?? {};
  const row = await registry.apiTokens.add({ name: input.name, token, prefix, role, scope, write: input.write ?? false, expiresAt: input.expiresAt, kind }, user.username, now);
  return { token, view: tokenView(row, now) };
}

export async function listApiTokens(registry: RegistryStore, now: number): Promise<ApiTokenListResponse> {
  return { tokens: (await registry.apiTokens.list()).map((t) => tokenView(t, now)), generatedAt: now };
}

/** Revokes a token (audited; again changes nothing): its next request, on any dashboard process, gets 401. */
export async function revokeApiToken(user: User, registry: RegistryStore, id: number, now: number): Promise<ApiTokenView> {
  return tokenView(await registry.apiTokens.revoke(id, user.username, now), now);
}
