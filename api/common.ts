/** What every answer shares: the error body, a create's id, and the people vocabulary (roles, scopes). */
import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from '../domain/index.js';
import { Id, lit, Obj } from './kit.js';

/** What every API answer that is not 2xx carries: a coded error (docs/errors.md) and a message. */
export const ApiErrorBody = Type.Object({
  code: Type.String({ description: 'EDUFLEET_ERR_… (docs/errors.md)' }),
  message: Type.String({ description: 'What went wrong, in words a user can act on.' }),
}, { additionalProperties: false });
export type ApiErrorBody = Static<typeof ApiErrorBody>;

/** The answer of a create: the new row's id. */
export const CreatedId = Obj({ id: Type.Integer() });
export type CreatedId = Static<typeof CreatedId>;

/** A user's or a token's role (domain/hierarchy.ts). */
export const Role = lit(ROLES);
export type Role = Static<typeof Role>;

/** Where a user or token may act: districts and/or schools; both empty or absent: the whole province. */
export const Scope = Obj({
  districtIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
  schoolIds: Type.Optional(Type.Array(Id, { maxItems: 1000 })),
});
export type Scope = Static<typeof Scope>;

/** `{ id, removed: true }`: the answer of a DELETE. */
export const Removed = Obj({ id: Type.Integer(), removed: Type.Literal(true) });
export type Removed = Static<typeof Removed>;
