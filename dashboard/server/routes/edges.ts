import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { addEdge, edgeList, revokeEdge } from '../edges.js';
import type { Route } from '../route-types.js';
import { authorize } from '../scope.js';

const Ms = Type.Union([Type.Number(), Type.Null()]);
const Int = Type.Union([Type.Integer(), Type.Null()]);
const EdgeListSchema = Type.Object({
  edges: Type.Array(Type.Object({
    id: Type.String(), name: Type.String(), siteId: Type.Integer(), siteName: Type.String(), schoolId: Type.Integer(), schoolCode: Type.String(),
    schoolName: Type.String(), districtId: Int, districtName: Type.Union([Type.String(), Type.Null()]),
    link: Type.Object({
      state: Type.Union([Type.Literal('connected'), Type.Literal('cut'), Type.Literal('never')]), since: Ms,
      via: Type.Union([Type.Literal('file'), Type.Literal('link'), Type.Null()]),
    }),
    lastContactAt: Ms,
    backlog: Type.Object({ records: Int, bytes: Int, oldestAt: Ms, ageMs: Ms }),
    completeUntil: Ms,
    health: Type.Union([Type.Object({
      reportedAt: Type.Number(), diskFreeBytes: Ms, diskTotalBytes: Ms, spoolBytes: Ms, spoolOldestMs: Ms, clockOffsetMs: Ms,
    }), Type.Null()]),
    revokedAt: Ms, createdAt: Type.Number(), lagMs: Ms,
  })),
  generatedAt: Type.Number(),
});

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
    schema: { querystring: Type.Object({}, { additionalProperties: false }), response: { 200: EdgeListSchema } },
  }, async (req) => edgeList(currentUser(req), deps.registry, deps.clock.now()));

  const Key = Type.String({ minLength: 1, maxLength: 200 });
  app.post<Route<'POST /api/edges'>>('/edges', { config: { access: 'edges.manage' },
    preHandler: async (req) => {
      await requireUser(req);
      authorize(currentUser(req), 'edges.manage');
    },
    schema: { body: Type.Object({ site: Type.String({ minLength: 1, maxLength: 300 }), name: Type.String({ minLength: 1, maxLength: 200 }), signKey: Key, boxKey: Key }, { additionalProperties: false }) },
  }, async (req, reply) => reply.code(201).send(await addEdge(currentUser(req), deps.registry, req.body, deps.clock.now())));

  // A stolen or replaced machine: the Sở stops trusting it at once, without a shell on the server.
  app.post<Route<'POST /api/edges/:id/revoke'>>('/edges/:id/revoke', { config: { access: 'edges.manage' },
    preHandler: async (req) => {
      await requireUser(req);
      authorize(currentUser(req), 'edges.manage');
    },
    schema: { params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }) },
  }, async (req) => revokeEdge(currentUser(req), deps.registry, req.params.id, deps.clock.now()));
};
