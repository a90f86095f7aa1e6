import { scopeSql, type RoomType, type Scope, type SqliteRegistry } from '../registry/index.js';
import type { DeviceFacts, RoomFacts, SchoolFacts } from './planning.js';

/** Rooms within `scope` that have at least one device, with their place and their devices' costs (one query). */
export function roomFacts(registry: SqliteRegistry, scope: Scope | undefined): RoomFacts[] {
  const params: unknown[] = [];
  const where = scopeSql(scope, params);
  const rows = registry.db.prepare(`SELECT r.id AS roomId, r.name AS roomName, r.type AS roomType, r.capacity, s.id AS schoolId, s.name AS schoolName,
      s.district_id AS districtId, di.name AS districtName, d.id AS deviceId, d.kind, d.cost_vnd AS costVnd, d.service_life_years AS serviceLifeYears,
      d.in_service_date AS inServiceDate, d.state
    FROM rooms r JOIN sites t ON t.id = r.site_id JOIN schools s ON s.id = t.school_id LEFT JOIN districts di ON di.id = s.district_id
    JOIN devices d ON d.room_id = r.id
    WHERE ${where} AND r.retired_at IS NULL ORDER BY s.name, r.code, d.id`).all(...params) as (Omit<RoomFacts, 'devices'> & DeviceFacts & { deviceId: string })[];
  const rooms = new Map<number, RoomFacts>();
  for (const r of rows) {
    let room = rooms.get(r.roomId);
    if (!room) {
      rooms.set(r.roomId, (room = {
        roomId: r.roomId, roomName: r.roomName, roomType: r.roomType as RoomType, capacity: r.capacity, schoolId: r.schoolId, schoolName: r.schoolName,
        districtId: r.districtId, districtName: r.districtName, devices: [],
      }));
    }
    room.devices.push({ id: r.deviceId, kind: r.kind, costVnd: r.costVnd, serviceLifeYears: r.serviceLifeYears, inServiceDate: r.inServiceDate, state: r.state });
  }
  return [...rooms.values()];
}

/** Active schools within `scope`, with pupils and level. */
export function schoolFacts(registry: SqliteRegistry, scope: Scope | undefined): SchoolFacts[] {
  const districts = new Map(registry.districts().map((d) => [d.id, d.name]));
  return registry.schools(scope).map((s) => ({
    schoolId: s.id, schoolName: s.name, districtId: s.districtId, districtName: s.districtId === null ? null : (districts.get(s.districtId) ?? null), pupils: s.pupils, level: s.level,
  }));
}
