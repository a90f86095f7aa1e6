import type { FastifyPluginAsync } from 'fastify';
import { EdufleetError } from '../../../lib/errors.js';
import type { DeviceKind } from '../../../protocol/index.js';
import type { Device, DeviceFilter } from '../../../registry/index.js';
import type { DeviceDetail, DeviceEdge, DeviceListResponse, DeviceRow, QueryOf, StateFilter } from '../../../api/index.js';
import { currentUser, requireUser } from '../auth.js';
import type { DashboardDeps } from '../deps.js';
import { siteEdges } from '../edges.js';
import type { LiveLookup } from '../../../gateway/live-store.js';
import { liveLookup } from '../live-lookup.js';
import { schemaOf } from '../route-schema.js';
import type { Defaulted, Route } from '../route-types.js';
import { roomPlaces, type RoomPlace } from '../places.js';
import { healthProblems, liveView } from '../problems.js';
import { maySee, maySeeRejectionReasons, userScope } from '../scope.js';

/** The page's size and start default to 50 and 0 (the schema's defaults, filled in by validation). */
type ListQuery = Defaulted<QueryOf<'GET /api/devices'>, 'limit' | 'offset'>;

/** GET /api/devices (filtered, scoped, paged, live state merged) and GET /api/devices/:id. */
export const deviceRoutes: FastifyPluginAsync<DashboardDeps> = async (app, deps) => {
  const toRow = (d: Device, place: RoomPlace | undefined, live: LiveLookup | undefined, edges: ReadonlyMap<number, DeviceEdge>, now: number): DeviceRow => ({
    ...liveView(d.id, d.kind, live?.get(d.id), now),
    kind: d.kind, name: d.name, code: d.code, model: d.model, serial: d.serial, roomId: d.roomId,
    roomName: place?.roomName ?? '', schoolId: place?.schoolId ?? 0, schoolName: place?.schoolName ?? '',
    edge: (place && edges.get(place.siteId)) ?? null,
  });

  /**
   * The state filter is not in the registry but in memory, so with one the registry returns every match (ids order)
   * and the page is cut after filtering; without one the registry pages by itself. Either way the live state of the
   * devices read is fetched at once (liveLookup: one HMGET when it is in Redis).
   */
  const page = async (f: DeviceFilter, state: StateFilter | undefined, limit: number, offset: number, now: number): Promise<{ total: number; devices: Device[]; live: LiveLookup | undefined }> => {
    if (!state) {
      const { total, devices } = await deps.registry.listDevices({ ...f, limit, offset });
      return { total, devices, live: await liveLookup(deps, devices.map((d) => d.id)) };
    }
    const matches = (await deps.registry.listDevices(f)).devices;
    const live = await liveLookup(deps, matches.map((d) => d.id));
    const all = matches.filter((d) => {
      const v = liveView(d.id, d.kind, live?.get(d.id), now);
      return state === 'problem' ? healthProblems(v.problems).length > 0 : v.state === state;
    });
    return { total: all.length, devices: all.slice(offset, offset + limit), live };
  };

  app.get<Route<'GET /api/devices', { Querystring: ListQuery }>>('/devices', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/devices') }, async (req): Promise<DeviceListResponse> => {
    const { q, kind, districtId, schoolId, roomId, state, includeRetired, limit, offset } = req.query;
    const now = deps.clock.now();
    const filter: DeviceFilter = { q: q?.trim() || undefined, kind: kind as DeviceKind | undefined, districtId, schoolId, roomId, includeRevoked: includeRetired, scope: userScope(currentUser(req)) };
    const { total, devices, live } = await page(filter, state, limit, offset, now);
    const places = await roomPlaces(deps.registry, devices.map((d) => d.roomId));
    // The page's edges in one query: a device behind an edge says so (its live state comes through that edge).
    const edges = await siteEdges(deps.registry, [...places.values()].map((p) => p.siteId), now);
    return { total, limit, offset, devices: devices.map((d) => toRow(d, places.get(d.roomId), live, edges, now)) };
  });

  app.get<Route<'GET /api/devices/:id'>>('/devices/:id', { config: { access: 'user' }, preHandler: requireUser, schema: schemaOf('GET /api/devices/:id') }, async (req): Promise<DeviceDetail> => {
    const user = currentUser(req);
    const d = await deps.registry.device(req.params.id);
    // A revoked or retired device keeps its page: its record and history outlive its credentials.
    if (!d) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no device '${req.params.id}'`);
    const place = (await roomPlaces(deps.registry, [d.roomId])).get(d.roomId);
    if (!place) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `device '${d.id}' has no room`);
    if (!maySee(user, place)) throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', `device '${d.id}' belongs to a school outside your scope`);
    const live = await liveLookup(deps, [d.id]);
    const l = live?.get(d.id);
    const now = deps.clock.now();
    const detail: DeviceDetail = {
      device: {
        ...toRow(d, place, live, await siteEdges(deps.registry, [place.siteId], now), now),
        manufacturer: d.manufacturer, createdAt: d.createdAt, siteName: place.siteName, districtId: place.districtId, districtName: place.districtName,
      },
      rejected: l?.rejected ?? 0,
      lastRejection: l?.lastRejection ? { ts: l.lastRejection.ts, reason: maySeeRejectionReasons(user) ? l.lastRejection.reason : '' } : null,
      readings: [],
    };
    try {
      detail.readings = await deps.readings.lastHour(d.id, d.kind);
    } catch (err) {
      req.log.warn({ err: (err as Error).message, device: d.id }, 'recent readings not available from InfluxDB');
      detail.readingsError = 'InfluxDB did not answer; showing the live state only.';
    }
    return detail;
  });
};
