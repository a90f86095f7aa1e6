import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import type { Route } from '../route-types.js';
import { computeKpi } from '../kpi.js';
import { liveLookup } from '../live-lookup.js';

const Share = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);
const Count = Type.Integer({ minimum: 0 });
const Figures = Type.Object({
  devices: Count, withRecord: Count, recordShare: Share,
  connected: Count, live24h: Count, liveShare: Share,
  pastLife: Count, pastLifeShare: Share,
  inRepair: Count, repairShare: Share,
});
const KpiResponseSchema = Type.Object({
  province: Figures,
  scoped: Type.Boolean(),
  districts: Type.Array(Type.Object({ districtId: Type.Union([Type.Integer(), Type.Null()]), name: Type.Union([Type.String(), Type.Null()]), figures: Figures })),
  schools: Type.Array(Type.Object({ schoolId: Type.Integer(), name: Type.String(), districtId: Type.Union([Type.Integer(), Type.Null()]), figures: Figures })),
  targets: Type.Array(Type.Object({ year: Type.Integer(), share: Type.Number() })),
  today: Type.String(),
  generatedAt: Type.Number(),
});

/** GET /api/kpi: the digital-records KPI per school, district and province, within the user's scope; every role. */
export const kpiRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  app.get<Route<'GET /api/kpi'>>('/kpi', { config: { access: 'user' },
    preHandler: requireUser,
    schema: { querystring: Type.Object({}, { additionalProperties: false }), response: { 200: KpiResponseSchema } },
  }, async (req) => computeKpi(currentUser(req), deps.registry, (ids) => liveLookup(deps, ids), deps.clock.now()));
};
