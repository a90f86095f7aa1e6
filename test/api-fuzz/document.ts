/**
 * The operations of an OpenAPI 3 document (what `app.swagger()` gives and /api/openapi.json serves), in the shape the
 * fuzzer needs: each route's path, query and body schemas, and the Fastify pattern (`/api/devices/:id`) the routes and
 * the response checker name it by.
 */
import type { JsonSchema } from './arbitraries.js';

export interface Parameter {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** As api/routes.ts names routes: `GET /api/devices/:id`. */
  key: string;
  method: string;
  /** The Fastify pattern, `/api/devices/:id`. */
  pattern: string;
  /** The path as the document writes it, `/api/devices/{id}`. */
  path: string;
  params: Parameter[];
  query: Parameter[];
  /** The JSON body's schema, when the document has one. */
  body?: { schema: JsonSchema; required: boolean };
  /** Content types the body may have besides JSON, as the document lists them (file uploads). */
  bodyTypes: string[];
}

interface OpenApiParameter { name: string; in: string; required?: boolean; schema?: JsonSchema }
interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation | OpenApiParameter[] | unknown>>;
  [k: string]: unknown;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** `/api/devices/{id}` → `/api/devices/:id` (and `/api/register.{format}` → `/api/register.:format`). */
export const fastifyPattern = (path: string): string => path.replace(/\{([^}]+)\}/g, ':$1');

/** Every operation of the document, sorted by key so a seed means the same run whatever order the document has. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const shared = (item.parameters as OpenApiParameter[] | undefined) ?? [];
    for (const method of METHODS) {
      const op = item[method] as OpenApiOperation | undefined;
      if (!op) continue;
      const params = [...shared, ...(op.parameters ?? [])];
      const pick = (where: string) => params.filter((p) => p.in === where).map((p) => ({ name: p.name, required: p.required ?? where === 'path', schema: p.schema ?? {} }));
      const content = op.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      const pattern = fastifyPattern(path);
      out.push({
        key: `${method.toUpperCase()} ${pattern}`, method: method.toUpperCase(), pattern, path,
        params: pick('path'), query: pick('query'),
        body: json ? { schema: json, required: op.requestBody?.required ?? false } : undefined,
        bodyTypes: Object.keys(content).filter((t) => t !== 'application/json'),
      });
    }
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Does a route change state (and so, for a read-only token, answer 403 before anything else)? */
export const changesState = (op: Operation): boolean => !['GET', 'HEAD', 'OPTIONS'].includes(op.method);
