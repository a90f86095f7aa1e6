/**
 * The planner's arithmetic, on totals the queries return and facts from the registry:
 * - utilisation per room and its rollup to room type, school, district and province;
 * - underused (time utilisation below 20 % over the window, 8 weeks by default) and saturated (above 80 %);
 * - annualised cost (purchase cost ÷ service life, straight line) and cost per used hour, per room and per kit;
 * - the budget planner: which schools should get the next smart classrooms, ranked by evidence, with reasons.
 * Pure functions: the routes and the reports call them with what they fetched.
 */
import type { RankReason } from '../api/index.js';
import type { RoomType } from '../domain/index.js';
import { addTotals, coverage, periodUtilisation, timeUtilisation, ZERO_TOTALS, type UsageTotals } from './utilisation.js';

export const UNDERUSED_BELOW = 0.2;
/** The default of `usage.minCoverage`: a room's data must cover this share of its timetabled time to be judged. */
export const MIN_COVERAGE = 0.6;
export const SATURATED_ABOVE = 0.8;
/** What one smart classroom costs (Lào Cai's plan, item 1.1): 1,350 million VND. */
export const SMART_CLASSROOM_VND = 1_350_000_000;

export interface DeviceFacts { id: string; kind: string; costVnd: number | null; serviceLifeYears: number | null; inServiceDate: string | null; state: string }
export interface RoomFacts {
  roomId: number; roomName: string; roomType: RoomType; capacity: number;
  schoolId: number; schoolName: string; districtId: number | null; districtName: string | null;
  devices: DeviceFacts[];
}
export interface SchoolFacts { schoolId: number; schoolName: string; districtId: number | null; districtName: string | null; pupils: number; level: string }

/** `pending`: days still expected from the site's edge and nothing to judge without them (usage/pending.ts). */
export type RoomStatus = 'underused' | 'saturated' | 'normal' | 'no_timetable' | 'no_data' | 'pending';

export interface RoomRow {
  room: RoomFacts;
  totals: UsageTotals;
  timeUtilisation: number | null;
  periodUtilisation: number | null;
  usedHours: number;
  outsideHours: number;
  status: RoomStatus;
  /** Sum over its devices of cost ÷ service life, VND a year (devices without both are not counted). */
  annualCostVnd: number;
  /** Cost of the window (annual cost × days ÷ 365) ÷ hours in use; null when never used or no cost is known. */
  costPerUsedHourVnd: number | null;
  /** Per kind of equipment in the room ("kit"): annual cost and cost per hour the kit was used (device hours ÷ devices). */
  kits: { kind: string; devices: number; annualCostVnd: number; usedHours: number; costPerUsedHourVnd: number | null }[];
}

/** A room's status; one whose data covers less than `minCoverage` of its timetabled time is not judged. */
export function statusOf(t: UsageTotals, minCoverage = MIN_COVERAGE): RoomStatus {
  const c = coverage(t);
  if (c === null) return 'no_timetable';
  if (c < minCoverage) return 'no_data';
  const u = timeUtilisation(t);
  if (u === null) return 'no_data';
  if (u < UNDERUSED_BELOW) return 'underused';
  return u > SATURATED_ABOVE ? 'saturated' : 'normal';
}

const annualCost = (d: DeviceFacts) => (d.costVnd && d.serviceLifeYears ? d.costVnd / d.serviceLifeYears : 0);

/** One row per room with its utilisation, status and costs over a window of `days` days. */
export function roomRows(rooms: RoomFacts[], totals: Map<number, UsageTotals>, deviceHours: Map<string, number>, days: number, minCoverage = MIN_COVERAGE): RoomRow[] {
  return rooms.map((room) => {
    const t = totals.get(room.roomId) ?? ZERO_TOTALS;
    const usedHours = (t.inUseTimetabledMin + t.outsideMin) / 60;
    const active = room.devices.filter((d) => d.state !== 'retired');
    const annualCostVnd = active.reduce((a, d) => a + annualCost(d), 0);
    const windowCost = (annual: number) => (annual * days) / 365;
    const kinds = [...new Set(active.map((d) => d.kind))].sort();
    return {
      room, totals: t, timeUtilisation: timeUtilisation(t), periodUtilisation: periodUtilisation(t), usedHours, outsideHours: t.outsideMin / 60,
      status: statusOf(t, minCoverage), annualCostVnd,
      costPerUsedHourVnd: annualCostVnd > 0 && usedHours > 0 ? windowCost(annualCostVnd) / usedHours : null,
      kits: kinds.map((kind) => {
        const devs = active.filter((d) => d.kind === kind);
        const cost = devs.reduce((a, d) => a + annualCost(d), 0);
        // A kit is used for as long as its devices are, on average: 40 tablets each used an hour = the kit used an hour.
        const hours = devs.reduce((a, d) => a + (deviceHours.get(d.id) ?? 0), 0) / devs.length;
        return { kind, devices: devs.length, annualCostVnd: cost, usedHours: hours, costPerUsedHourVnd: cost > 0 && hours > 0 ? windowCost(cost) / hours : null };
      }),
    };
  });
}

export interface GroupRow {
  key: string;
  name: string;
  rooms: number;
  totals: UsageTotals;
  timeUtilisation: number | null;
  periodUtilisation: number | null;
  underused: number;
  saturated: number;
  noData: number;
  annualCostVnd: number;
  usedHours: number;
  costPerUsedHourVnd: number | null;
}

/** Rolls room rows up by a key (room type, school, district, or one group for the province). */
export function groupRows(rows: RoomRow[], keyOf: (r: RoomRow) => { key: string; name: string }, days: number): GroupRow[] {
  const groups = new Map<string, GroupRow>();
  for (const r of rows) {
    const { key, name } = keyOf(r);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, name, rooms: 0, totals: ZERO_TOTALS, timeUtilisation: null, periodUtilisation: null, underused: 0, saturated: 0, noData: 0, annualCostVnd: 0, usedHours: 0, costPerUsedHourVnd: null }));
    g.rooms++;
    g.totals = addTotals(g.totals, r.totals);
    if (r.status === 'underused') g.underused++;
    if (r.status === 'saturated') g.saturated++;
    if (r.status === 'no_data') g.noData++;
    g.annualCostVnd += r.annualCostVnd;
    g.usedHours += r.usedHours;
  }
  for (const g of groups.values()) {
    g.timeUtilisation = timeUtilisation(g.totals);
    g.periodUtilisation = periodUtilisation(g.totals);
    g.costPerUsedHourVnd = g.annualCostVnd > 0 && g.usedHours > 0 ? (g.annualCostVnd * days) / 365 / g.usedHours : null;
  }
  return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name, 'vi'));
}

/** The rooms a school's use is judged on: its smart classrooms, or its equipped rooms when it has none. */
function basisOf(own: RoomRow[]): RoomRow[] {
  const smart = own.filter((r) => r.room.roomType === 'smart_classroom');
  return smart.length ? smart : own.filter((r) => r.room.devices.length);
}
const judgedBasis = (own: RoomRow[]) => basisOf(own).filter((r) => r.status !== 'no_data' && r.status !== 'pending');

/**
 * Schools the planner cannot rank: the rooms their use would be judged on all have too little data (coverage below
 * `usage.minCoverage`). They are listed apart with their coverage, never ranked as if their rooms were idle.
 */
export function insufficientData(schools: SchoolFacts[], rows: RoomRow[]): { school: SchoolFacts; coverage: number | null; rooms: number; pendingRooms: number }[] {
  const out: { school: SchoolFacts; coverage: number | null; rooms: number; pendingRooms: number }[] = [];
  for (const school of schools) {
    const basis = basisOf(rows.filter((r) => r.room.schoolId === school.schoolId));
    if (!basis.length || judgedBasis(basis).length) continue;
    const t = basis.reduce((a, r) => addTotals(a, r.totals), ZERO_TOTALS);
    out.push({ school, coverage: coverage(t), rooms: basis.length, pendingRooms: basis.filter((r) => r.status === 'pending').length });
  }
  return out;
}

/** A reason for a rank, with the figure it rests on (the web app and the reports phrase it per language). */
export type Reason = RankReason;

export interface SchoolRank {
  rank: number;
  school: SchoolFacts;
  score: number;
  /** Time utilisation of its smart classrooms (or of all its equipped rooms when it has none). */
  utilisation: number | null;
  smartRooms: number;
  pupilsPerSmartRoom: number;
  yearsSinceInvestment: number | null;
  reasons: Reason[];
  /** Whether the budget of `rooms` rooms reaches this school. */
  funded: boolean;
}

/**
 * Ranks schools for new smart classrooms: the use of what they have (half the score), pupils per smart classroom
 * (three tenths) and years since their last smart-classroom investment (a fifth). One room per school, best first,
 * while the budget lasts; every rank carries its reasons.
 */
export function rankSchools(schools: SchoolFacts[], rows: RoomRow[], rooms: number, today: string): SchoolRank[] {
  const year = Number(today.slice(0, 4));
  const apart = new Set(insufficientData(schools, rows).map((x) => x.school.schoolId));
  const ranked = schools.filter((school) => !apart.has(school.schoolId)).map((school) => {
    const own = rows.filter((r) => r.room.schoolId === school.schoolId);
    const smart = own.filter((r) => r.room.roomType === 'smart_classroom');
    // Rooms without enough data say nothing of the school's use: they are left out of it, not counted as idle.
    const basis = judgedBasis(own);
    const t = basis.reduce((a, r) => addTotals(a, r.totals), ZERO_TOTALS);
    const utilisation = timeUtilisation(t);
    const dates = smart.flatMap((r) => r.room.devices.map((d) => d.inServiceDate).filter((d): d is string => !!d)).sort();
    const lastYear = dates.length ? Number(dates.at(-1)!.slice(0, 4)) : null;
    const yearsSince = lastYear === null ? null : Math.max(0, year - lastYear);
    const perRoom = school.pupils / Math.max(1, smart.length);
    const score = 0.5 * (utilisation ?? 0) + 0.3 * Math.min(1, perRoom / 1000) + 0.2 * (yearsSince === null ? 1 : Math.min(1, yearsSince / 5));
    const reasons: Reason[] = [];
    if (utilisation !== null) reasons.push({ code: utilisation > SATURATED_ABOVE ? 'saturated_rooms' : 'busy_rooms', utilisation, rooms: basis.length });
    reasons.push(smart.length ? { code: 'pupils_per_smart_room', pupils: school.pupils, smartRooms: smart.length, perRoom } : { code: 'no_smart_room', pupils: school.pupils });
    reasons.push(lastYear === null ? { code: 'never_invested' } : { code: 'last_investment', year: lastYear, yearsAgo: yearsSince! });
    return { school, score, utilisation, smartRooms: smart.length, pupilsPerSmartRoom: perRoom, yearsSinceInvestment: yearsSince, reasons };
  });
  ranked.sort((a, b) => b.score - a.score || a.school.schoolName.localeCompare(b.school.schoolName, 'vi'));
  return ranked.map((r, i) => ({ ...r, rank: i + 1, funded: i < rooms }));
}
