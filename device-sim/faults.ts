import type { DeviceKind } from '../protocol/index.js';
import { BAD_READING_VARIANTS, BATTERY_KINDS, type BadReadingVariant } from './behaviour.js';
import { between, pick, type Rng } from './random.js';
import type { Scenario } from './scenario.js';

/** A rate left out (a scenario object built in code before a fault existed) is a rate of zero. */
export type FaultRates = Partial<Scenario['faults']>;

/**
 * Every fault the simulator can put a device into, by rate or on demand (`edufleet sim fault`). Names are the ones
 * the CLI takes; each maps to its rate in the scenario's `faults` section.
 */
export const FAULT_NAMES = [
  'offline', 'battery-drain', 'overheat', 'bad-reading',
  'dying-battery', 'flapping-wifi', 'stuck-sensor', 'clock-skew', 'silent', 'error-burst',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

const ALL: readonly DeviceKind[] = ['board', 'tablet', 'vr', 'sensor'];

export interface FaultInfo {
  /** Its rate per device and hour in the scenario's `faults`. */
  rate: keyof Scenario['faults'];
  /** The kinds it can strike; others ignore it (a room target picks the devices it applies to). */
  kinds: readonly DeviceKind[];
  /** How long it lasts when struck by rate, or on demand without `--for` (ms, drawn between the two). */
  durationMs: readonly [number, number];
  vi: string;
  en: string;
}

const MIN = 60_000;
const HOUR = 3_600_000;

/**
 * Durations are chosen so that each alert rule's default condition is met: a stuck value outlasts sensor_stuck's
 * 3 h, a silence outlasts no_data's 5 intervals even at the 15-minute night heartbeat, an overheat outlasts
 * board_overheat's 2 minutes.
 */
export const FAULTS: Record<FaultName, FaultInfo> = {
  offline: { rate: 'offlinePerHour', kinds: ALL, durationMs: [MIN, 5 * MIN], vi: 'mất kết nối mạng', en: 'drops off the network' },
  'battery-drain': { rate: 'batteryDrainPerHour', kinds: [...BATTERY_KINDS], durationMs: [HOUR, HOUR], vi: 'pin tụt nhanh tới khi sạc đầy', en: 'battery drains fast until recharged' },
  overheat: { rate: 'overheatPerHour', kinds: ALL, durationMs: [10 * MIN, 10 * MIN], vi: 'quá nhiệt', en: 'overheats' },
  'bad-reading': { rate: 'badReadingPerHour', kinds: ALL, durationMs: [0, 0], vi: 'gửi một bản tin sai', en: 'sends one malformed reading' },
  'dying-battery': { rate: 'dyingBatteryPerHour', kinds: [...BATTERY_KINDS], durationMs: [HOUR, 3 * HOUR], vi: 'pin sắp hỏng, không sạc được', en: 'dying battery, not charging' },
  'flapping-wifi': { rate: 'flappingWifiPerHour', kinds: ['tablet'], durationMs: [20 * MIN, HOUR], vi: 'Wi-Fi chập chờn', en: 'flapping Wi-Fi' },
  'stuck-sensor': { rate: 'stuckSensorPerHour', kinds: ['sensor'], durationMs: [4 * HOUR, 8 * HOUR], vi: 'cảm biến bị treo giá trị', en: 'stuck sensor values' },
  'clock-skew': { rate: 'clockSkewPerHour', kinds: ALL, durationMs: [HOUR, 4 * HOUR], vi: 'đồng hồ thiết bị lệch', en: 'device clock skewed' },
  silent: { rate: 'silentPerHour', kinds: ALL, durationMs: [90 * MIN, 3 * HOUR], vi: 'vẫn kết nối nhưng im lặng', en: 'connected but silent' },
  'error-burst': { rate: 'errorBurstPerHour', kinds: ALL, durationMs: [2 * MIN, 5 * MIN], vi: 'báo lỗi dồn dập', en: 'burst of error events' },
};

/** The counter of `SimStats.faults` (simulator.ts) each fault adds to. */
export const FAULT_STAT = {
  offline: 'offline', 'battery-drain': 'drain', overheat: 'overheat', 'bad-reading': 'bad', 'dying-battery': 'dying',
  'flapping-wifi': 'flapping', 'stuck-sensor': 'stuck', 'clock-skew': 'skew', silent: 'silent', 'error-burst': 'burst',
} as const satisfies Record<FaultName, string>;

export const isFaultName = (x: string): x is FaultName => (FAULT_NAMES as readonly string[]).includes(x);

/** A fault that started, and for how long. */
export interface StartedFault {
  fault: FaultName;
  forMs: number;
}

/** The faults that strike one device between two of its readings. */
export interface FaultRoll {
  /** Drop off the network (no DISCONNECT, so the broker publishes the Last Will) for this many ms. */
  offlineForMs?: number;
  /** The battery starts draining this many times faster, until it has been fully recharged. */
  drainFactor?: number;
  /** Run hot for this many ms. */
  overheatForMs?: number;
  /** Send this malformed reading instead of a good one. */
  badReading?: BadReadingVariant;
  /** The faults added for the alert rules (issue 10), each with its duration. */
  started?: StartedFault[];
}

/** Overheating by rate lasts ten minutes. */
const OVERHEAT_MS = 600_000;
export const DRAIN_FACTOR = 8;

/** The faults rolled after the four first ones, in this order. */
const LATER: FaultName[] = ['dying-battery', 'flapping-wifi', 'stuck-sensor', 'clock-skew', 'silent', 'error-burst'];

/** A duration for `fault` from its range. */
export const faultDuration = (fault: FaultName, rng: Rng): number => Math.round(between(rng, ...FAULTS[fault].durationMs));

/**
 * Rolls the dice for every fault over `hours` of a device's life: each fault strikes with chance rate × hours
 * (a Poisson process sampled at the device's readings), so the rates hold whatever the reading interval.
 */
export function rollFaults(rates: FaultRates, kind: DeviceKind, hours: number, rng: Rng): FaultRoll {
  const roll: FaultRoll = {};
  const strikes = (perHour: number | undefined) => rng() < (perHour ?? 0) * hours;
  if (strikes(rates.offlinePerHour)) {
    roll.offlineForMs = faultDuration('offline', rng);
    return roll; // a device that is gone sends nothing else
  }
  if (strikes(rates.batteryDrainPerHour) && BATTERY_KINDS.has(kind)) roll.drainFactor = DRAIN_FACTOR;
  if (strikes(rates.overheatPerHour)) roll.overheatForMs = OVERHEAT_MS;
  if (strikes(rates.badReadingPerHour)) roll.badReading = pick(rng, BAD_READING_VARIANTS);
  for (const fault of LATER) {
    if (!FAULTS[fault].kinds.includes(kind) || !strikes(rates[FAULTS[fault].rate])) continue;
    (roll.started ??= []).push({ fault, forMs: faultDuration(fault, rng) });
  }
  return roll;
}

/** A fault's duration in words: "1 giờ 30 phút" / "1 h 30 min", seconds only under a minute. */
export function faultDurationText(ms: number): { vi: string; en: string } {
  if (ms < 60_000) return { vi: `${Math.round(ms / 1000)} giây`, en: `${Math.round(ms / 1000)} s` };
  const min = Math.round(ms / 60_000);
  const h = Math.floor(min / 60);
  const m = min % 60;
  const part = (hu: string, mu: string) => [h ? `${h} ${hu}` : '', m ? `${m} ${mu}` : ''].filter(Boolean).join(' ');
  return { vi: part('giờ', 'phút'), en: part('h', 'min') };
}
