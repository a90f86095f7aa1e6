import type { FastifyInstance } from 'fastify';
import { EdufleetError } from '../../lib/errors.js';

/**
 * Values no route takes, refused in every request's params, query and body after validation and before any handler
 * (each was a 500 on PostgreSQL; found by the API fuzzer, test/api-fuzz/). Registered on the root before any route.
 * - A non-finite number: ajv (8) coerces the text "Infinity" or "1e999" to a number that passes `type: integer` and
 *   skips `minimum`/`maximum` (checked on finite numbers only), and JSON's `1e999` parses to Infinity; a query then
 *   fails with "invalid input syntax for type integer".
 * - A NUL character (U+0000, `%00` in a path): PostgreSQL's text cannot hold one, so a query with it fails.
 */
export function refuseUnstorableValues(app: FastifyInstance): void {
  app.addHook('preHandler', async (req) => {
    const at = unstorable(req.params, 'params') ?? unstorable(req.query, 'query') ?? unstorable(req.body, 'body');
    if (at) throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', at);
  });
}

/** What in a parsed request part no route takes, and where (`query/schoolId must be a finite number`), or undefined. */
function unstorable(v: unknown, path: string, depth = 0): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : `${path} must be a finite number`;
  if (typeof v === 'string') return v.includes('\u0000') ? `${path} contains a NUL character (U+0000), which no field takes` : undefined;
  if (typeof v !== 'object' || v === null || depth > 32) return undefined;
  // What a parser made (objects, arrays, the router's params), not an upload's Buffer or stream.
  if (ArrayBuffer.isView(v) || typeof (v as { pipe?: unknown }).pipe === 'function') return undefined;
  for (const [k, x] of Object.entries(v)) {
    const at = unstorable(k, `${path}/key`, depth + 1) ?? unstorable(x, `${path}/${k}`, depth + 1);
    if (at) return at;
  }
  return undefined;
}
