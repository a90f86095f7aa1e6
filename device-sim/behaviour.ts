import type { TSchema } from '@sinclair/typebox';
import { KINDS, type DeviceKind } from '../protocol/index.js';
import { between, pick, type Rng } from './random.js';

/** The state a simulated device carries between readings. */
export interface DeviceBody {
  battery: number;
  left: number;
  right: number;
  uptimeS: number;
  storageFree: number;
  /** Until when (sim ms) the device runs hot; 0 = not. */
  hotUntil: number;
  /** Battery drains this many times faster (a worn battery). */
  drainFactor: number;
  /** Until when (sim ms) the battery is dying: it does not charge and falls to a few per cent. */
  dyingUntil: number;
  /** Until when (sim ms) the Wi-Fi signal is weak and swinging. */
  weakWifiUntil: number;
}

/** What the device sees around it when it takes a reading. */
export interface ReadingContext {
  /** A lesson is using the room right now. */
  inUse: boolean;
  /** The school day is on (periods and the breaks between them). */
  open: boolean;
  /** People the room holds in a lesson. */
  capacity: number;
  /** Seconds since the previous reading. */
  dtS: number;
  /** Simulated time, UTC ms. */
  now: number;
}

/** People a sensor counts in a room in use, at the least: the usage analytics' threshold of an occupied room. */
export const OCCUPIED_MIN = 5;

export type Fields = Record<string, number | boolean | string>;

/** Kinds that run on a battery: only they can suffer the battery-drain fault. */
export const BATTERY_KINDS: ReadonlySet<DeviceKind> = new Set(['tablet', 'vr']);

export function newBody(rng: Rng): DeviceBody {
  // A few devices start nearly flat (left off the charging cart), as in any real fleet.
  const battery = rng() < 0.04 ? between(rng, 5, 14) : between(rng, 60, 100);
  return { battery, left: between(rng, 60, 100), right: between(rng, 60, 100), uptimeS: 0, storageFree: Math.round(between(rng, 2000, 50000)), hotUntil: 0, drainFactor: 1, dyingUntil: 0, weakWifiUntil: 0 };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** A dying battery loses this much a minute, whatever the device does, down to DYING_FLOOR. */
const DYING_PER_MIN = 3;
const DYING_FLOOR = 3;

/** One battery over `dtMin` minutes: charging, draining at `rate` %/min, or dying. */
function battery(x: number, o: { charging: boolean; chargePerMin: number; rate: number; dtMin: number; dying: boolean }): number {
  if (o.dying) return Math.min(x, Math.max(DYING_FLOOR, x - DYING_PER_MIN * o.dtMin));
  return clamp(o.charging ? x + o.chargePerMin * o.dtMin : x - o.rate * o.dtMin, 0, 100);
}

function boardReading(b: DeviceBody, ctx: ReadingContext, hot: boolean, rng: Rng): Fields {
  const power = ctx.inUse ? 'on' : ctx.open ? (rng() < 0.3 ? 'on' : 'standby') : 'off';
  b.uptimeS = power === 'on' ? b.uptimeS + ctx.dtS : 0;
  const base = power === 'on' ? 38 : 28;
  return {
    // An overheating board climbs to 68–72 °C whatever it does, well past board_overheat's 60 °C; it cools at once after.
    power, temperature: round1(hot ? between(rng, 68, 72) : base + between(rng, -2, 3)),
    input: power === 'on' ? (rng() < 0.7 ? 'ops' : 'hdmi1') : 'none',
    touches: ctx.inUse ? Math.round(between(rng, 5, 60) * Math.max(ctx.dtS / 60, 0.2)) : 0,
    uptime: Math.round(b.uptimeS), brightness: power === 'on' ? 80 : 0,
  };
}

function tabletReading(b: DeviceBody, ctx: ReadingContext, hot: boolean, rng: Rng): Fields {
  const dtMin = ctx.dtS / 60;
  const dying = b.dyingUntil > ctx.now;
  const charging = !ctx.open && !dying;
  b.battery = battery(b.battery, { charging, chargePerMin: 0.5, rate: (ctx.inUse ? 0.25 : 0.05) * b.drainFactor, dtMin, dying });
  if (charging && b.battery >= 99) b.drainFactor = 1;
  const weak = b.weakWifiUntil > ctx.now;
  return {
    battery: round1(b.battery), charging, storageFree: b.storageFree, wifiRssi: Math.round(weak ? between(rng, -85, -60) : between(rng, -75, -45)),
    screenOn: ctx.inUse, locked: !ctx.inUse, temperature: round1(between(rng, 27, 34) + (hot ? 24 : 0)),
  };
}

function vrReading(b: DeviceBody, ctx: ReadingContext, hot: boolean, rng: Rng): Fields {
  const dtMin = ctx.dtS / 60;
  const dying = b.dyingUntil > ctx.now;
  const charging = !ctx.inUse && !dying;
  const drain = (x: number, rate: number, main: boolean) => battery(x, { charging, chargePerMin: 0.6, rate: rate * b.drainFactor, dtMin, dying: dying && main });
  b.battery = drain(b.battery, 0.6, true);
  b.left = drain(b.left, 0.2, false);
  b.right = drain(b.right, 0.2, false);
  if (charging && b.battery >= 99) b.drainFactor = 1;
  return {
    battery: round1(b.battery), leftController: round1(b.left), rightController: round1(b.right),
    temperature: round1((ctx.inUse ? 36 : 29) + between(rng, -1, 2) + (hot ? 14 : 0)), inSession: ctx.inUse, charging,
  };
}

function sensorReading(ctx: ReadingContext, hot: boolean, rng: Rng): Fields {
  // In use: at least 70 % of the room's capacity and never fewer than five (what the usage rules count as use);
  // otherwise nobody, or now and then a cleaner or a teacher preparing (one to four) while the school is open.
  const people = ctx.inUse ? Math.max(OCCUPIED_MIN, Math.ceil(ctx.capacity * between(rng, 0.7, 1))) : ctx.open && rng() < 0.1 ? Math.round(between(rng, 1, 4)) : 0;
  return {
    temperature: round1(between(rng, 26, 31) + (people ? 1.5 : 0) + (hot ? 18 : 0)), humidity: round1(between(rng, 62, 85)),
    co2: Math.round(420 + people * between(rng, 18, 30)), pm25: round1(between(rng, 8, 45)),
    light: Math.round(ctx.open ? between(rng, 250, 500) : between(rng, 0, 20)), noise: round1(people ? between(rng, 55, 72) : between(rng, 32, 42)),
    occupancy: people,
  };
}

/** A plausible value for one field, read from its protocol schema (literal unions, numbers with bounds, booleans). */
function valueFor(schema: TSchema, rng: Rng): number | boolean | string {
  const s = schema as { type?: string; anyOf?: { const?: unknown }[]; minimum?: number; maximum?: number; maxLength?: number };
  if (s.anyOf) return String(pick(rng, s.anyOf.map((o) => o.const)));
  if (s.type === 'boolean') return rng() < 0.5;
  const lo = s.minimum ?? 0;
  const hi = Math.min(s.maximum ?? lo + 100, lo + 100);
  if (s.type === 'integer') return Math.round(between(rng, lo, hi));
  if (s.type === 'number') return round1(between(rng, lo, hi));
  return 'sim'.slice(0, s.maxLength ?? 3);
}

/**
 * A reading built from nothing but the kind's fields in `protocol/kinds`: the fallback for a kind the simulator has
 * no behaviour for yet, so that adding a kind to the protocol is enough for the simulator to send it.
 */
export function schemaReading(kind: DeviceKind, rng: Rng): Fields {
  const out: Fields = {};
  for (const [name, schema] of Object.entries(KINDS[kind].fields as Record<string, TSchema>)) out[name] = valueFor(schema, rng);
  return out;
}

/**
 * One reading of a device, from whether its room is in use, whether the school is open, and its body.
 * Field names and ranges are those of protocol/kinds; a test validates every kind's output against them.
 */
export function reading(kind: DeviceKind, b: DeviceBody, ctx: ReadingContext, rng: Rng): Fields {
  const hot = b.hotUntil > ctx.now;
  switch (kind) {
    case 'board': return boardReading(b, ctx, hot, rng);
    case 'tablet': return tabletReading(b, ctx, hot, rng);
    case 'vr': return vrReading(b, ctx, hot, rng);
    case 'sensor': return sensorReading(ctx, hot, rng);
    default: return schemaReading(kind, rng);
  }
}

/** The ways a faulty firmware gets a reading wrong; the gateway must refuse each one whole. */
export const BAD_READING_VARIANTS = ['wrong-type', 'unknown-field', 'both'] as const;
export type BadReadingVariant = (typeof BAD_READING_VARIANTS)[number];

/** A malformed reading, as a faulty firmware would send: a field of the wrong type, a field the kind does not have, or both. */
export function badReading(kind: DeviceKind, variant: BadReadingVariant = 'both'): Record<string, unknown> {
  const field = Object.keys(KINDS[kind].fields)[0]!;
  const wrongType = { [field]: { value: 'NaN' } };
  const unknown = { firmwareBug: true };
  if (variant === 'wrong-type') return wrongType;
  if (variant === 'unknown-field') return unknown;
  return { ...wrongType, ...unknown };
}
