import { scopeSql, type RoomType, type Scope, type SqliteRegistry } from '../registry/index.js';
import { isPastServiceLife } from '../registry/service-life.js';
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

/** Repairs in the last 12 months from which a device counts as failing often. */
export const FAILING_REPAIRS = 2;

export interface AttentionDevice {
  deviceId: string; name: string; kind: string; schoolName: string; roomName: string; inServiceDate: string | null;
  serviceLifeYears: number | null; costVnd: number | null; state: string; repairs12m: number;
  reasons: ('past_life' | 'in_repair' | 'failing_often')[];
}

/**
 * Equipment the planner should replace or look at, within `scope`: past its service life, in repair, or repaired
 * at least FAILING_REPAIRS times in the last 12 months (entries of the maintenance log).
 */
export function equipmentAttention(registry: SqliteRegistry, scope: Scope | undefined, today: string, now: number): AttentionDevice[] {
  const params: unknown[] = [now - 365 * 86_400_000];
  const where = scopeSql(scope, params);
  const rows = registry.db.prepare(`SELECT d.id AS deviceId, d.name, d.kind, s.name AS schoolName, r.name AS roomName, d.in_service_date AS inServiceDate,
      d.service_life_years AS serviceLifeYears, d.cost_vnd AS costVnd, d.state,
      (SELECT COUNT(*) FROM maintenance_log m WHERE m.device_id = d.id AND m.at >= ?) AS repairs12m
    FROM devices d JOIN rooms r ON r.id = d.room_id JOIN sites t ON t.id = r.site_id JOIN schools s ON s.id = t.school_id
    WHERE ${where} AND d.state != 'retired' ORDER BY s.name, r.name, d.name`).all(...params) as Omit<AttentionDevice, 'reasons'>[];
  const out: AttentionDevice[] = [];
  for (const r of rows) {
    const reasons: AttentionDevice['reasons'] = [];
    if (isPastServiceLife(r.inServiceDate, r.serviceLifeYears, today)) reasons.push('past_life');
    if (r.state === 'in_repair') reasons.push('in_repair');
    if (r.repairs12m >= FAILING_REPAIRS) reasons.push('failing_often');
    if (reasons.length) out.push({ ...r, reasons });
  }
  return out;
}
