/** A whole province's places at once (the simulator, seeds, benchmarks): one transaction, idempotent. */
import type { TermTimetable } from '../../timetable/model.js';
import type { RoomType, SchoolLevel } from '../types.js';
import { inTx, type Ctx } from './context.js';
import { ensureDistrict, ensureRoom, ensureSchool, ensureSite } from './hierarchy.js';
import { setTimetables } from './plans.js';

export interface PlacesPlan {
  districts: { code: string; name: string }[];
  schools: {
    code: string; name: string; level: SchoolLevel; /** A district code of `districts`, or null: directly under the Sở. */ district: string | null;
    pupils?: number; timetable?: TermTimetable[];
    sites: { name: string; rooms: { code: string; name: string; type: RoomType; capacity?: number }[] }[];
  }[];
}

/** The ids of a plan's places, in the plan's order. */
export interface PlacesIds {
  districts: Map<string, number>;
  schools: { id: number; sites: { id: number; rooms: number[] }[] }[];
}

/** Creates or updates every place of `plan` (and the schools' own timetables) in one transaction. */
export async function ensurePlaces(c: Ctx, plan: PlacesPlan): Promise<PlacesIds> {
  return inTx(c, async (t) => {
    const districts = new Map<string, number>();
    for (const d of plan.districts) districts.set(d.code, (await ensureDistrict(t, d)).id);
    const schools: PlacesIds['schools'] = [];
    for (const sc of plan.schools) {
      const school = await ensureSchool(t, { code: sc.code, name: sc.name, level: sc.level, districtId: sc.district === null ? null : districts.get(sc.district)!, pupils: sc.pupils });
      if (sc.timetable) await setTimetables(t, school.id, sc.timetable);
      const sites: PlacesIds['schools'][number]['sites'] = [];
      for (const st of sc.sites) {
        const site = await ensureSite(t, { schoolId: school.id, name: st.name });
        const rooms: number[] = [];
        for (const r of st.rooms) rooms.push((await ensureRoom(t, { siteId: site.id, ...r })).id);
        sites.push({ id: site.id, rooms });
      }
      schools.push({ id: school.id, sites });
    }
    return { districts, schools };
  });
}
