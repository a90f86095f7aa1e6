import type { FastifyInstance } from 'fastify';

/**
 * `METHOD /path` of every route in Fastify's printed tree (`commonPrefix: false`: one node a line, its path relative
 * to its parent's), HEAD left out. The app is built by buildApp itself, so an onRoute hook cannot be added before its
 * routes are.
 */
export function registeredRoutes(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    stack.push(m[2]!);
    for (const method of m[3]?.split(', ') ?? []) if (method !== 'HEAD') out.push(`${method} ${stack.join('')}`);
  }
  return out;
}
