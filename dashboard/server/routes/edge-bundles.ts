import type { FastifyPluginAsync } from 'fastify';
import { makeBundle } from '../../../edge/bundle.js';
import { EdufleetError } from '../../../lib/errors.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize } from '../scope.js';

/**
 * GET /api/edges/:id/bundle: an admin downloads the next down bundle of an edge for a USB stick (docs/edge.md, "The USB
 * round trip, down"), the same file as `edufleet edge bundle`. Admins only (`edges.manage`): it carries the site's
 * credential verifiers, encrypted for that edge, and every download is a new version, audited.
 */
export const edgeBundleRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.get<Route<'GET /api/edges/:id/bundle'>>('/edges/:id/bundle', { config: { access: 'edges.manage' },
    preHandler: async (req) => {
      await requireUser(req);
      authorize(currentUser(req), 'edges.manage');
    },
    schema: schemaOf('GET /api/edges/:id/bundle'),
  }, async (req, reply) => {
    const edge = await deps.registry.edges.get(req.params.id);
    if (!edge || edge.revokedAt !== null) throw new EdufleetError('EDUFLEET_ERR_EDGE_NO_EDGE', `no active edge '${req.params.id}'`);
    const made = await makeBundle(deps.registry, edge, { now: deps.clock.now(), byUser: currentUser(req).username });
    return reply.type('application/octet-stream').header('content-disposition', `attachment; filename="${edge.id}-v${made.header.version}.efb"`).send(made.file);
  });
};
