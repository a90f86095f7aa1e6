/** Users, roles and scopes (admins only), and the audit log. */
import type { Role, Scope } from '../domain/index.js';

export type { Role } from '../domain/index.js';

export interface UserRow {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  scope: Scope;
  disabled: boolean;
  createdAt: number;
}
export interface NewUserInput {
  username: string;
  displayName?: string;
  password: string;
  role: Role;
  scope?: Scope;
}
export interface UserPatch {
  displayName?: string;
  password?: string;
  role?: Role;
  scope?: Scope;
  disabled?: boolean;
}

export interface AuditEntry {
  at: number;
  byUser: string;
  action: string;
  entity: string;
  entityId: string;
  detail: unknown;
}
export interface AuditQuery { entity?: string; entityId?: string; byUser?: string; limit?: number; offset?: number }
export interface AuditResponse { total: number; entries: AuditEntry[] }
