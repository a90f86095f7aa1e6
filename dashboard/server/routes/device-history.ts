import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import { KINDS } from '../../../protocol/index.js';
import type { Device } from '../../../registry/index.js';
import type { DeviceEventsResponse, HistoryResponse, QueryOf } from '../../../api/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { chartableFields, WINDOW_PLANS } from '../history.js';
import { roomPlaces } from '../places.js';
import { schemaOf } from '../route-schema.js';
import type { Defaulted, Route } from '../route-types.js';
import { maySee } from '../scope.js';

/** The window defaults to 24 h (the schema's default, filled in by validation). */
type HistoryQuery = Defaulted<QueryOf<'GET /api/devices/:id/history'>, 'window'>;

const INFLUX_DOWN = 'InfluxDB did not answer; the history cannot be shown now.';

/**
 * GET /api/devices/:id/history and /events: the device page's chart and event list. Same rules as
 * GET /api/devices/:id (404 unknown, 403 outside the scope); InfluxDB down is a 200 with `error`, so the page works.
 */
export const deviceHistoryRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const visibleDevice = async (req: FastifyRequest, id: string): Promise<Device> => {
    const d = await deps.registry.device(id);
    if (!d) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${id}'`);
    const place = (await roomPlaces(deps.registry, [d.roomId])).get(d.roomId);
    if (!place) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `device '${d.id}' has no room`);
    if (!maySee(currentUser(req), place)) throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', `device '${d.id}' belongs to a school outside your scope`);
    return d;
  };

  app.get<Route<'GET /api/devices/:id/history', { Querystring: HistoryQuery }>>('/devices/:id/history', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('GET /api/devices/:id/history'),
  }, async (req): Promise<HistoryResponse> => {
    const d = await visibleDevice(req, req.params.id);
    const valid = chartableFields(d.kind);
    const field = req.query.field ?? KINDS[d.kind].chartField;
    if (!valid.includes(field)) {
      throw new EdufleetError('EDUFLEET_ERR_REQUEST_INVALID', `a ${d.kind} has no numeric field '${field}'; valid fields: ${valid.join(', ')}`);
    }
    const window = req.query.window;
    const answer: HistoryResponse = { field, window, bucketMs: WINDOW_PLANS[window].bucketMs, points: [], rawRetention: deps.readings.rawRetention };
    try {
      answer.points = await deps.readings.history({ deviceId: d.id, kind: d.kind, field, window, now: deps.clock.now() });
    } catch (err) {
      req.log.warn({ err: (err as Error).message, device: d.id }, 'device history not available from InfluxDB');
      answer.error = INFLUX_DOWN;
    }
    return answer;
  });

  app.get<Route<'GET /api/devices/:id/events'>>('/devices/:id/events', { config: { access: 'user' },
    preHandler: requireUser, schema: schemaOf('GET /api/devices/:id/events'),
  }, async (req): Promise<DeviceEventsResponse> => {
    const d = await visibleDevice(req, req.params.id);
    try {
      return { events: await deps.readings.events(d.id) };
    } catch (err) {
      req.log.warn({ err: (err as Error).message, device: d.id }, 'device events not available from InfluxDB');
      return { events: [], error: 'InfluxDB did not answer; the events cannot be shown now.' };
    }
  });
};
