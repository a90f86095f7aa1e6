import type { FastifySchema } from 'fastify';
import { ApiErrorBody, API_ROUTES, type RouteKey, type RouteSpec } from '../../api/index.js';

/** The body of a file answer in the document: the bytes themselves. */
const BINARY = { type: 'string', format: 'binary' } as const;

/**
 * The Fastify `schema` of a route of the contract (api/routes.ts): its params, query and body, validated by Fastify
 * with these schemas; its answers for the OpenAPI document (the success status, and `{ code, message }` for 4xx and
 * 5xx); its summary and tags. The route's access goes into the document from its `config.access` (openapi.ts).
 * Answers are not serialised through these schemas (app.ts, setSerializerCompiler): the route walk of
 * test/dashboard/openapi.test.ts holds them true instead.
 */
export function schemaOf(key: RouteKey): FastifySchema {
  const spec: RouteSpec = API_ROUTES[key];
  const ok = spec.produces
    ? { description: spec.summary, content: Object.fromEntries(spec.produces.map((type) => [type, { schema: BINARY }])) }
    : spec.response;
  return {
    summary: spec.summary,
    tags: [...spec.tags],
    ...(spec.params ? { params: spec.params } : {}),
    ...(spec.query ? { querystring: spec.query } : {}),
    ...(spec.body ? { body: spec.body } : {}),
    response: { [spec.status ?? 200]: ok, '4xx': ApiErrorBody, '5xx': ApiErrorBody },
  };
}
