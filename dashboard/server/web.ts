import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { PACKAGE_ROOT } from '../../lib/package-root.js';
import { declarePublic } from './security/access.js';

export const WEB_DIST = path.join(PACKAGE_ROOT, 'dashboard/web/dist');

const NOT_BUILT = 'The EduFleet web app is not built. Run `npm run setup` (or `npm run build:web`) and reload this page.';

/** Serves the built web app, with index.html for every client-side route; API paths stay JSON 404s. */
export async function registerWeb(app: FastifyInstance, dist = WEB_DIST): Promise<void> {
  const built = existsSync(path.join(dist, 'index.html'));
  if (built) {
    await app.register(async (files) => {
      declarePublic(files); // the built app's files: nothing secret, and the login page must load
      await files.register(fastifyStatic, { root: dist, wildcard: false, index: 'index.html', maxAge: '1h', immutable: false });
    });
  }
  app.setNotFoundHandler(async (req, reply) => {
    const url = req.url.split('?')[0]!;
    const isApi = url === '/api' || url.startsWith('/api/') || url.startsWith('/socket.io');
    if (isApi || req.method !== 'GET') return reply.status(404).send({ code: 'EDUFLEET_ERR_ROUTE_NOT_FOUND', message: `no route ${req.method} ${url}` });
    if (!built) return reply.status(503).type('text/plain; charset=utf-8').send(NOT_BUILT);
    // Client-side routes (/devices/…) get the app shell; it must not be cached as if it were that path's content.
    // Read here, not with reply.sendFile: the static files live in a context of their own (declarePublic).
    return readFile(path.join(dist, 'index.html')).then((html) => reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html));
  });
}
