import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DEVICE_ID_PATTERN, DEVICE_KINDS } from '../protocol/index.js';
import { ROOM_TYPES, SCHOOL_LEVELS } from '../registry/index.js';
import { defaultPeriods, defaultTeachingDays, minutesOf, periodDays, SESSIONS, timetableProblems, type TermTimetable } from '../timetable/index.js';

const Literals = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>(Type.Union(values.map((v) => Type.Literal(v))));

const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const LocalTime = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });

/** A term of a school's timetable, the shape `timetable/model.ts` defines (TermTimetable). */
const Term = Type.Object({
  term: Type.String({ minLength: 1 }),
  start: LocalDate,
  end: LocalDate,
  teachingDays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1 }),
  periods: Type.Array(Type.Object({
    session: Literals(SESSIONS), no: Type.Integer({ minimum: 1 }), start: LocalTime, end: LocalTime,
    days: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, description: 'ISO weekdays of this period when not every teaching day (a Saturday morning only).' })),
  }, { additionalProperties: false }), { minItems: 1 }),
  holidays: Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), from: LocalDate, to: LocalDate }, { additionalProperties: false }), { default: [] }),
}, { additionalProperties: false });

/** A weekly session in which a room is used outside the timetable (an evening club, a Sunday class). */
const OutOfHours = Type.Object({
  weekday: Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday: 1 = Monday … 7 = Sunday.' }),
  start: LocalTime,
  end: LocalTime,
}, { additionalProperties: false });

const DeviceCounts = Type.Object(Object.fromEntries(DEVICE_KINDS.map((k) => [k, Type.Optional(Type.Integer({ minimum: 0, maximum: 500 }))])), { additionalProperties: false });

export const ScenarioSchema = Type.Object({
  seed: Type.Integer({ default: 1, description: 'Random seed: the same seed gives the same behaviour.' }),
  intervalS: Type.Number({ minimum: 0.05, default: 10, description: 'Seconds between two readings of one device while in use.' }),
  qos: Type.Union([Type.Literal(0), Type.Literal(1)], { default: 1, description: 'QoS of telemetry.' }),
  faults: Type.Object({
    offlinePerHour: Type.Number({ minimum: 0, default: 0.05, description: 'Chance per device and hour of dropping off the network for a few minutes.' }),
    batteryDrainPerHour: Type.Number({ minimum: 0, default: 0.02, description: 'Chance per device and hour that its battery starts draining fast.' }),
    overheatPerHour: Type.Number({ minimum: 0, default: 0.02, description: 'Chance per device and hour of overheating for ten minutes.' }),
    badReadingPerHour: Type.Number({ minimum: 0, default: 0.05, description: 'Chance per device and hour of sending one malformed reading.' }),
    dyingBatteryPerHour: Type.Number({ minimum: 0, default: 0.005, description: 'Tablets and headsets: chance per device and hour that the battery dies (fast drain, not charging) for one to three hours.' }),
    flappingWifiPerHour: Type.Number({ minimum: 0, default: 0.005, description: 'Tablets: chance per device and hour of a flapping Wi-Fi (weak signal, reconnecting every 20–40 s) for 20–60 minutes.' }),
    stuckSensorPerHour: Type.Number({ minimum: 0, default: 0.005, description: 'Sensors: chance per device and hour of repeating the same values for four to eight hours.' }),
    clockSkewPerHour: Type.Number({ minimum: 0, default: 0.005, description: 'Chance per device and hour that its clock runs 6–15 minutes ahead or behind for one to four hours.' }),
    silentPerHour: Type.Number({ minimum: 0, default: 0.005, description: 'Chance per device and hour of staying connected but sending nothing for 1.5 to 3 hours.' }),
    errorBurstPerHour: Type.Number({ minimum: 0, default: 0.01, description: 'Chance per device and hour of a burst of error events within a few minutes.' }),
  }, { default: {}, additionalProperties: false }),
  commands: Type.Object({
    failRate: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'Share of remote commands a device refuses with {ok:false} (busy, hardware fault).' }),
    silentRate: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'Share of remote commands a device never answers.' }),
  }, { default: {}, additionalProperties: false }),
  districts: Type.Array(Type.Object({ code: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1 }) })),
  schools: Type.Array(Type.Object({
    code: Type.String({ minLength: 1, maxLength: 24, pattern: '^[A-Za-z0-9-]+$' }),
    name: Type.String({ minLength: 1 }),
    level: Literals(SCHOOL_LEVELS),
    pupils: Type.Integer({ minimum: 0, default: 0 }),
    /** District code, or null for a school under the Sở directly (THPT, GDTX). */
    district: Type.Union([Type.String(), Type.Null()]),
    /** The school's own terms; without them, its level's default (`timetable/defaults.ts`) for each school year. */
    timetable: Type.Optional(Type.Array(Term)),
    sites: Type.Array(Type.Object({
      name: Type.String({ minLength: 1 }),
      rooms: Type.Array(Type.Object({
        code: Type.String({ minLength: 1, maxLength: 12, pattern: '^[A-Za-z0-9.-]+$' }),
        name: Type.String({ minLength: 1 }),
        type: Literals(ROOM_TYPES),
        capacity: Type.Integer({ minimum: 0, default: 40 }),
        /** Share of timetabled periods the room is really used in (the ground truth of room use). */
        use: Type.Number({ minimum: 0, maximum: 1, default: 0.6 }),
        /** Weekly sessions in which the room is in use outside the timetable, on every day of a term that is not a holiday. */
        outOfHours: Type.Array(OutOfHours, { default: [] }),
        devices: DeviceCounts,
      })),
    })),
  })),
});

export type Scenario = Static<typeof ScenarioSchema>;
export type ScenarioSchool = Scenario['schools'][number];
export type ScenarioRoom = ScenarioSchool['sites'][number]['rooms'][number];
export type OutOfHoursSession = ScenarioRoom['outOfHours'][number];

/** A school's periods on a weekday, from its own terms or its level's default ones. */
function periodsOnWeekday(sc: ScenarioSchool, weekday: number): { start: string; end: string; name: string }[] {
  const terms: Pick<TermTimetable, 'teachingDays' | 'periods'>[] = sc.timetable ?? [{ teachingDays: defaultTeachingDays(sc.level), periods: defaultPeriods(sc.level) }];
  return terms.filter((t) => t.teachingDays.includes(weekday))
    .flatMap((t) => t.periods.filter((p) => periodDays(t, p).includes(weekday)).map((p) => ({ start: p.start, end: p.end, name: `${p.session} ${p.no}` })));
}

/** An out-of-hours session must end after it starts and stay clear of the school's periods on its weekday. */
function outOfHoursProblems(sc: ScenarioSchool, r: ScenarioRoom): string[] {
  const out: string[] = [];
  r.outOfHours.forEach((o, i) => {
    const at = `/outOfHours/${i}`;
    if (minutesOf(o.end) <= minutesOf(o.start)) out.push(`${at}: the session ends (${o.end}) before it starts (${o.start})`);
    const clash = periodsOnWeekday(sc, o.weekday).find((p) => minutesOf(p.start) < minutesOf(o.end) && minutesOf(o.start) < minutesOf(p.end));
    if (clash) out.push(`${at}: ${o.start}–${o.end} on weekday ${o.weekday} overlaps timetabled period ${clash.name} (${clash.start}–${clash.end}); out-of-hours use must be outside the timetable`);
    if (r.outOfHours.some((q, j) => j < i && q.weekday === o.weekday && minutesOf(q.start) < minutesOf(o.end) && minutesOf(o.start) < minutesOf(q.end))) out.push(`${at}: overlaps another session of the same room on weekday ${o.weekday}`);
  });
  return out;
}

/** What the schema cannot say: references and uniqueness, and that every device id the scenario yields is valid. */
function crossChecks(s: Scenario): string[] {
  const errors: string[] = [];
  if (s.commands.failRate + s.commands.silentRate > 1) errors.push(`/commands: failRate + silentRate is ${s.commands.failRate + s.commands.silentRate}; together they cannot exceed 1`);
  const districts = new Set(s.districts.map((d) => d.code));
  const schoolCodes = new Set<string>();
  s.schools.forEach((sc, i) => {
    const at = `/schools/${i}`;
    if (sc.district !== null && !districts.has(sc.district)) errors.push(`${at}/district: unknown district '${sc.district}'; known: ${[...districts].join(', ') || '(none)'}`);
    for (const t of sc.timetable ?? []) for (const p of timetableProblems(t)) errors.push(`${at}/timetable: ${t.term}: ${p}`);
    if (schoolCodes.has(sc.code.toLowerCase())) errors.push(`${at}/code: school code '${sc.code}' is used twice`);
    schoolCodes.add(sc.code.toLowerCase());
    const siteNames = new Set<string>();
    sc.sites.forEach((st, si) => {
      if (siteNames.has(st.name)) errors.push(`${at}/sites/${si}/name: site '${st.name}' is used twice in this school`);
      siteNames.add(st.name);
      const roomCodes = new Set<string>();
      st.rooms.forEach((r, ri) => {
        const rat = `${at}/sites/${si}/rooms/${ri}`;
        if (roomCodes.has(r.code.toLowerCase())) errors.push(`${rat}/code: room code '${r.code}' is used twice in this site`);
        roomCodes.add(r.code.toLowerCase());
        const longest = `sim-${sc.code}-S${si}${r.code}-sensor000`;
        for (const p of outOfHoursProblems(sc, r)) errors.push(`${rat}${p}`);
        if (!DEVICE_ID_PATTERN.test(longest)) errors.push(`${rat}/code: device ids of this room ('${longest.toLowerCase()}') would exceed 64 characters`);
      });
    });
  });
  return errors;
}

/** Validates a scenario (defaults filled in); throws with every problem listed by its path. */
export function parseScenario(data: unknown, source = 'scenario'): Scenario {
  const withDefaults = Value.Default(ScenarioSchema, structuredClone(data));
  const rates = Object.keys(ScenarioSchema.properties.faults.properties);
  const commandRates = Object.keys(ScenarioSchema.properties.commands.properties);
  // A misspelt rate would otherwise be a fault silently left at its default: name the ones there are.
  const errors = [...Value.Errors(ScenarioSchema, withDefaults)].map((e) => {
    if (/^\/faults\/[^/]+$/.test(e.path) && !rates.includes(e.path.slice(8))) return `${e.path}: unknown fault rate; the rates are ${rates.join(', ')}`;
    if (/^\/commands\/[^/]+$/.test(e.path) && !commandRates.includes(e.path.slice(10))) return `${e.path}: unknown command rate; the rates are ${commandRates.join(', ')}`;
    return `${e.path || '/'}: ${e.message}`;
  });
  if (!errors.length) errors.push(...crossChecks(withDefaults as Scenario));
  if (errors.length) throw new Error(`${source} is invalid:\n  ${errors.slice(0, 20).join('\n  ')}`);
  return withDefaults as Scenario;
}

export function loadScenario(file: string): Scenario {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not a readable JSON scenario: ${(err as Error).message}`, { cause: err });
  }
  return parseScenario(data, file);
}

export function countDevices(s: Scenario): number {
  let n = 0;
  for (const sc of s.schools) for (const site of sc.sites) for (const r of site.rooms) for (const c of Object.values(r.devices)) n += c ?? 0;
  return n;
}
