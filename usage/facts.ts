import type { RegistryStore, Scope } from '../registry/index.js';
import { isPastServiceLife } from '../registry/service-life.js';
import type { RoomFacts, SchoolFacts } from './planning.js';

/** Rooms within `scope` that have at least one device, with their place and their devices' costs (one query). */
export async function roomFacts(registry: RegistryStore, scope: Scope | undefined): Promise<RoomFacts[]> {
  const rows = await registry.roomFactRows(scope);
  const rooms = new Map<number, RoomFacts>();
  for (const r of rows) {
    let room = rooms.get(r.roomId);
    if (!room) {
      rooms.set(r.roomId, (room = {
        roomId: r.roomId, roomName: r.roomName, roomType: r.roomType, capacity: r.capacity, schoolId: r.schoolId, schoolName: r.schoolName,
        districtId: r.districtId, districtName: r.districtName, devices: [],
      }));
    }
    room.devices.push({ id: r.deviceId, kind: r.kind, costVnd: r.costVnd, serviceLifeYears: r.serviceLifeYears, inServiceDate: r.inServiceDate, state: r.state });
  }
  return [...rooms.values()];
}

/** Active schools within `scope`, with pupils and level. */
export async function schoolFacts(registry: RegistryStore, scope: Scope | undefined): Promise<SchoolFacts[]> {
  const districts = new Map((await registry.districts()).map((d) => [d.id, d.name]));
  return (await registry.schools(scope)).map((s) => ({
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
export async function equipmentAttention(registry: RegistryStore, scope: Scope | undefined, today: string, now: number): Promise<AttentionDevice[]> {
  const rows = await registry.attentionRows(scope, now - 365 * 86_400_000);
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
