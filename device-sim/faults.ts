import type { DeviceKind } from '../protocol/index.js';
import { BAD_READING_VARIANTS, BATTERY_KINDS, type BadReadingVariant } from './behaviour.js';
import { between, pick, type Rng } from './random.js';
import type { Scenario } from './scenario.js';

export type FaultRates = Scenario['faults'];

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
}

/** Going offline lasts one to five minutes; overheating ten. */
const OFFLINE_MS: [number, number] = [60_000, 300_000];
const OVERHEAT_MS = 600_000;
const DRAIN_FACTOR = 8;

/**
 * Rolls the dice for every fault over `hours` of a device's life: each fault strikes with chance rate × hours
 * (a Poisson process sampled at the device's readings), so the rates hold whatever the reading interval.
 */
export function rollFaults(rates: FaultRates, kind: DeviceKind, hours: number, rng: Rng): FaultRoll {
  const roll: FaultRoll = {};
  const strikes = (perHour: number) => rng() < perHour * hours;
  if (strikes(rates.offlinePerHour)) {
    roll.offlineForMs = between(rng, OFFLINE_MS[0], OFFLINE_MS[1]);
    return roll; // a device that is gone sends nothing else
  }
  if (strikes(rates.batteryDrainPerHour) && BATTERY_KINDS.has(kind)) roll.drainFactor = DRAIN_FACTOR;
  if (strikes(rates.overheatPerHour)) roll.overheatForMs = OVERHEAT_MS;
  if (strikes(rates.badReadingPerHour)) roll.badReading = pick(rng, BAD_READING_VARIANTS);
  return roll;
}
