/**
 * Checks real answers against the served OpenAPI document (GET /api/openapi.json): the response schema of the
 * operation (method, route pattern) and status is compiled with ajv (JSON Schema 2020-12, as OpenAPI 3.1 says) and the
 * answer's body validated. Used by the route walk (test/dashboard/openapi.test.ts) and the fuzzer (test/api-fuzz/).
 */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** An OpenAPI 3.1 document, as far as this helper reads it: `paths` → method → operation. */
export interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>;
}
type Responses = Record<string, { content?: Record<string, { schema?: unknown }> }>;

/** `(method, route pattern, status, parsed body) → errors`, empty when the answer fits the document. */
export type ResponseCheck = (method: string, routePattern: string, status: number, body: unknown) => string[];

/** `/api/devices/:id` (Fastify) or `/api/devices/{id}` (OpenAPI): the document's path either way. */
export const openApiPath = (pattern: string): string => pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** The response entry for a status: the exact code first, then its range (`4XX`, `4xx`), then `default`. */
function responseFor(responses: Responses, status: number) {
  const range = `${String(status)[0]}XX`;
  return responses[String(status)] ?? responses[range] ?? responses[range.toLowerCase()] ?? responses.default;
}

export function responseChecker(doc: OpenApiDoc): ResponseCheck {
  // strict off: the document's schemas carry OpenAPI's and TypeBox's annotations (examples, x-…) ajv does not know.
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  const compiled = new Map<string, ValidateFunction | null>();

  return (method, routePattern, status, body) => {
    const path = openApiPath(routePattern);
    const where = `${method.toUpperCase()} ${routePattern} ${status}`;
    const op = doc.paths[path]?.[method.toLowerCase()] as { responses?: Responses } | undefined;
    if (!op) return [`${where}: no such operation in the document`];
    const response = responseFor(op.responses ?? {}, status);
    if (!response) return [`${where}: status not in the document`];
    const key = `${where}`;
    let validate = compiled.get(key);
    if (validate === undefined) {
      const schema = response.content?.['application/json']?.schema;
      // A file answer (PDF, XLSX, CSV…) has no JSON schema to hold it to.
      validate = schema === undefined ? null : ajv.compile(schema as object);
      compiled.set(key, validate);
    }
    if (!validate || validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
  };
}
