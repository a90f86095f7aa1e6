/**
 * The few building blocks the api/ schemas share (not part of the contract itself, so not exported from api/index).
 * Objects are closed (`additionalProperties: false`): a request field the server does not know is refused (400), and
 * an answer field the document does not describe fails the route walk (test/dashboard/openapi.test.ts).
 */
import { Type, type ObjectOptions, type TLiteral, type TNull, type TProperties, type TSchema, type TUnion } from '@sinclair/typebox';

/** A closed object: only the listed fields. */
export const Obj = <T extends TProperties>(properties: T, options: ObjectOptions = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

/** One of a list of strings (the list from domain/ or protocol/, so there is one). */
export const lit = <const T extends string>(values: readonly T[], options: { description?: string; default?: T } = {}): TUnion<TLiteral<T>[]> =>
  Type.Union(values.map((v) => Type.Literal(v)), options);

/**
 * One field per value of a list, each of `value`'s schema (counts per state, per kind …): a record whose keys are the
 * list's, spelt out so the derived type knows them.
 */
export const keyed = <const K extends string, V extends TSchema>(keys: readonly K[], value: V): { [P in K]: V } =>
  Object.fromEntries(keys.map((k) => [k, value])) as { [P in K]: V };

/**
 * A list's values in the schema (validated, and enumerated in the document) with a plain `string` type: for a filter
 * or a field the web app fills from data it already holds as strings (a kind from the kinds list).
 */
export const oneOf = <const T extends string>(values: readonly T[], options: { description?: string } = {}) => Type.Unsafe<string>(lit(values, options));

/**
 * The value or null. Null comes first: Fastify's ajv coerces types, and with the value's type first a JSON null in a
 * body would be coerced to '' or 0 before null is tried.
 */
export const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}): TUnion<[TNull, T]> =>
  Type.Union([Type.Null(), schema], options);

/**
 * The largest row id: PostgreSQL's `integer` columns (SQLite's are wider). A larger id exists nowhere, so validation
 * refuses it (400) before it reaches a query that would fail on it (500; found by the API fuzzer, test/api-fuzz/).
 */
export const ID_MAX = 2_147_483_647;
/** A row id of the registry (districts, schools, rooms, alerts …). */
export const Id = Type.Integer({ minimum: 1, maximum: ID_MAX });
/** A time as UTC milliseconds. */
export const Ms = (description?: string) => Type.Number(description ? { description } : {});
/** A local day, yyyy-mm-dd (Asia/Ho_Chi_Minh). */
export const IsoDate = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' });
/** A local time of day, HH:MM. */
export const HHMM = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });
/** A background job's id (imports, exports). */
export const JobId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' });
/** `{ id }` path parameters. */
export const IdParams = Obj({ id: Id });
export const JobParams = Obj({ id: JobId });
/** A route that takes no query: any query field is refused (400). */
export const NoQuery = Obj({});
