import type { FastifyPluginAsync } from 'fastify';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { addEdge, edgeList, revokeEdge } from '../edges.js';
import { schemaOf } from '../route-schema.js';
import type { Route } from '../route-types.js';
import { authorize } from '../scope.js';

/**
 * GET /api/edges: the edge nodes of the sites in the user's scope, worst first (docs/edge.md). Admins and planners of
 * the province or their district; technicians of their own schools; nobody else. POST /api/edges: an admin registers
 * an edge with the public keys printed at the school (docs/edge.md); POST /api/edges/:id/revoke: an admin revokes one.
 */
export const edgeRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.get<Route<'GET /api/edges'>>('/edges', { config: { access: 'edges.read' },
    preHandler: async (req) => {
      await requireUser(req);
      authorize(currentUser(req), 'edges.read');
    },
    schema: schemaOf('GET /api/edges'),
  }, async (req) => edgeList(currentUser(req), deps.registry, deps.clock.now()));

  app.post<Route<'POST /api/edges'>>('/edges', { config: { access: 'edges.manage' },
    preHandler: async (req) => {
      await requireUser(req);
      authorize(currentUser(req), 'edges.manage');
    },
    schema: schemaOf('POST /api/edges'),
  }, async (req, reply) => reply.code(201).send(await addEdge(currentUser(req), deps.registry, req.body, deps.clock.now())));

  // A stolen or replaced machine: the Sở stops trusting it at once, without a shell on the server.
  app.post<Route<'POST /api/edges/:id/revoke'>>('/edges/:id/revoke', { config: { access: 'edges.manage' },
    preHandler: async (req) => {
      await requireUser(req);
      authorize(currentUser(req), 'edges.manage');
    },
    schema: schemaOf('POST /api/edges/:id/revoke'),
  }, async (req) => revokeEdge(currentUser(req), deps.registry, req.params.id, deps.clock.now()));
};
