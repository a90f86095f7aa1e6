/** Users, roles and scopes (admins only), and the audit log. */
import { Type, type Static } from '@sinclair/typebox';
import { Role, Scope } from './common.js';
import { Obj } from './kit.js';

export const UserRow = Obj({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: Role,
  scope: Scope,
  disabled: Type.Boolean(),
  createdAt: Type.Number(),
});
export type UserRow = Static<typeof UserRow>;

const Password = Type.String({ minLength: 8, maxLength: 1024 });
export const NewUserInput = Obj({
  username: Type.String({ minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9._@-]+$' }),
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  password: Password,
  role: Role,
  scope: Type.Optional(Scope),
});
export type NewUserInput = Static<typeof NewUserInput>;
export const UserPatch = Obj({
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  password: Type.Optional(Password),
  role: Type.Optional(Role),
  scope: Type.Optional(Scope),
  disabled: Type.Optional(Type.Boolean()),
});
export type UserPatch = Static<typeof UserPatch>;

export const AuditEntry = Obj({
  at: Type.Number(),
  byUser: Type.String(),
  action: Type.String(),
  entity: Type.String(),
  entityId: Type.String(),
  detail: Type.Unknown({ description: 'What changed, as the action records it.' }),
});
export type AuditEntry = Static<typeof AuditEntry>;
/** GET /api/audit: newest first; `limit` defaults to 100 (at most 500). */
export const AuditQuery = Obj({
  entity: Type.Optional(Type.String({ maxLength: 32 })),
  entityId: Type.Optional(Type.String({ maxLength: 128 })),
  byUser: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});
export type AuditQuery = Static<typeof AuditQuery>;
export const AuditResponse = Obj({ total: Type.Integer(), entries: Type.Array(AuditEntry) });
export type AuditResponse = Static<typeof AuditResponse>;
