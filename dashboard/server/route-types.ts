import type { BodyOf, ParamsOf, QueryOf, ResponseOf, RouteKey } from '../../api/routes.js';

type Or<T, D> = [T] extends [undefined] ? D : T;

/** What the server validated (TypeBox, defaults filled in) where it is narrower than the contract: it must still fit it. */
export interface Validated<K extends RouteKey> {
  Querystring?: Or<QueryOf<K>, never>;
  Body?: Or<BodyOf<K>, never>;
}

/** A contract shape whose fields `D` have a schema default: after validation they are always there. */
export type Defaulted<T, D extends keyof T> = T & Required<Pick<T, D>>;

/**
 * Fastify's route generic for a route of the contract (api/routes.ts): `app.get<Route<'GET /api/devices'>>(…)` types
 * params, query, body and, above all, the answer, so a handler that returns another shape fails the type check.
 */
export type Route<K extends RouteKey, V extends Validated<K> = object> = {
  Params: Or<ParamsOf<K>, unknown>;
  Querystring: V extends { Querystring: infer Q } ? Q : Or<QueryOf<K>, unknown>;
  Body: V extends { Body: infer B } ? B : Or<BodyOf<K>, unknown>;
  Reply: ResponseOf<K>;
};
