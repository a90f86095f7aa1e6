/** API tokens for machines calling the REST API (issue 22; docs/security.md and docs/integration.md, "API tokens"). Admins only. */
import type { Role, Scope } from '../domain/index.js';

/** `active` until `expiresAt` or a revocation; a revoked token stays `revoked` whatever its expiry. */
export type ApiTokenState = 'active' | 'expired' | 'revoked';

/** A token as the list shows it: never the token itself, only its first characters to recognise it by. Times are UTC ms. */
export interface ApiTokenView {
  id: number;
  name: string;
  /** `efk_` and the token's next 8 characters. */
  prefix: string;
  role: Role;
  scope: Scope;
  /** false (the default): every request but GET and HEAD is refused, whatever the role may do. */
  write: boolean;
  expiresAt: number;
  createdBy: string;
  createdAt: number;
  /** Noted at most once a minute. */
  lastUsedAt: number | null;
  revokedAt: number | null;
  state: ApiTokenState;
}

/**
 * POST /api/tokens: `expiresAt` (UTC ms) is required, in the future and at most a year ahead (`API_TOKEN_MAX_DAYS`);
 * `scope` as a user's (districts or schools; empty for the whole province); `write` false unless given.
 */
export interface NewApiTokenInput { name: string; role: Role; scope?: Scope; write?: boolean; expiresAt: number }

/** The answer to POST /api/tokens: the token itself, this once; the registry keeps only its hash. */
export interface NewApiTokenResponse { token: string; view: ApiTokenView }

export interface ApiTokenListResponse { tokens: ApiTokenView[]; generatedAt: number }

/** The longest a token may live: a year, and a day for the end of that day in Asia/Ho_Chi_Minh. */
export const API_TOKEN_MAX_DAYS = 366;
