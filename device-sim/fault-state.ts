import type { DeviceKind } from '../protocol/index.js';
import type { BadReadingVariant, DeviceBody, Fields } from './behaviour.js';
import { DRAIN_FACTOR, type FaultName } from './faults.js';
import { between, pick, type Rng } from './random.js';

/**
 * The faults a device is in that the simulator itself plays out (the body plays out heat, batteries and Wi-Fi
 * signal): until when each lasts, in sim ms, 0 for none.
 */
export interface ActiveFaults {
  /** Drops the link every 20–40 s until then. */
  flapUntil: number;
  nextFlapAt: number;
  /** Repeats `stuckFields` (taken at the first reading of the fault) until then. */
  stuckUntil: number;
  stuckFields: Fields | undefined;
  /** Stamps `ts` `skewMs` off the true time until then. */
  skewUntil: number;
  skewMs: number;
  /** Publishes nothing (the MQTT keepalive goes on) until then. */
  silentUntil: number;
  /** Error events still to send, one every `everyMs`. */
  burst: { left: number; everyMs: number; nextAt: number } | undefined;
  /** The next reading is this malformed one. */
  badNext: BadReadingVariant | undefined;
}

export const noFaults = (): ActiveFaults => ({
  flapUntil: 0, nextFlapAt: 0, stuckUntil: 0, stuckFields: undefined, skewUntil: 0, skewMs: 0, silentUntil: 0, burst: undefined, badNext: undefined,
});

/** Between two link drops of a flapping Wi-Fi; and how long each drop lasts before the device reconnects. */
export const FLAP_EVERY_MS: [number, number] = [20_000, 40_000];
export const FLAP_DOWN_MS: [number, number] = [1_000, 3_000];
/** A skewed clock is this far off, ahead or behind. */
const SKEW_MS: [number, number] = [6 * 60_000, 15 * 60_000];
/** Error events in one burst. */
const BURST_COUNT: [number, number] = [4, 8];

/** What a device says when something fails, per kind (codes as vendors' logs give them). */
const ERRORS: Record<DeviceKind, { code: string; message: string }[]> = {
  board: [{ code: 'OPS_HANG', message: 'Máy tính OPS không phản hồi' }, { code: 'PANEL_FAULT', message: 'Lỗi bảng mạch màn hình' }, { code: 'TOUCH_FAULT', message: 'Khung cảm ứng mất kết nối' }],
  tablet: [{ code: 'APP_CRASH', message: 'Ứng dụng học tập dừng đột ngột' }, { code: 'STORAGE_IO', message: 'Lỗi ghi bộ nhớ trong' }],
  vr: [{ code: 'TRACKING_LOST', message: 'Mất định vị tay cầm' }, { code: 'DISPLAY_FAULT', message: 'Lỗi màn hình kính' }],
  sensor: [{ code: 'CO2_READ', message: 'Không đọc được cảm biến CO₂' }, { code: 'I2C_BUS', message: 'Lỗi bus I2C' }],
};

/** The event a device sends when a fault begins, for the faults a device notices itself. */
export const FAULT_EVENTS: Partial<Record<FaultName, { type: string; code: string; message: string }>> = {
  'battery-drain': { type: 'battery_fault', code: 'BATTERY_DRAIN', message: 'Pin tụt nhanh bất thường' },
  overheat: { type: 'overheat', code: 'TEMP_HIGH', message: 'Nhiệt độ thiết bị quá cao' },
  'dying-battery': { type: 'battery_fault', code: 'BATTERY_DYING', message: 'Pin chai, không nhận sạc' },
};

export function errorEvent(kind: DeviceKind, rng: Rng): { code: string; message: string } {
  return pick(rng, ERRORS[kind] ?? ERRORS.sensor);
}

/** The device's clock error now (ms; 0 when its clock is right). */
export const skewAt = (f: ActiveFaults, now: number): number => (f.skewUntil > now ? f.skewMs : 0);

/**
 * Starts a fault the device's state carries (all but `offline`, which the simulator plays out on the link, and the
 * events that go with a fault). A fault already on is extended or restarted, never doubled.
 */
export function startFault(f: ActiveFaults, body: DeviceBody, fault: Exclude<FaultName, 'offline'>, until: number, now: number, rng: Rng): void {
  switch (fault) {
    case 'battery-drain': body.drainFactor = DRAIN_FACTOR; break;
    case 'overheat': body.hotUntil = Math.max(body.hotUntil, until); break;
    case 'bad-reading': f.badNext = 'both'; break;
    case 'dying-battery': body.dyingUntil = Math.max(body.dyingUntil, until); break;
    case 'flapping-wifi':
      body.weakWifiUntil = f.flapUntil = Math.max(f.flapUntil, until);
      if (f.nextFlapAt <= now) f.nextFlapAt = now + between(rng, ...FLAP_EVERY_MS);
      break;
    case 'stuck-sensor':
      if (f.stuckUntil <= now) f.stuckFields = undefined;
      f.stuckUntil = Math.max(f.stuckUntil, until);
      break;
    case 'clock-skew':
      if (f.skewUntil <= now) f.skewMs = Math.round(between(rng, ...SKEW_MS)) * (rng() < 0.5 ? -1 : 1);
      f.skewUntil = Math.max(f.skewUntil, until);
      break;
    case 'silent': f.silentUntil = Math.max(f.silentUntil, until); break;
    case 'error-burst': {
      const left = Math.round(between(rng, ...BURST_COUNT));
      // The first event at once, the others spread over the burst's duration.
      f.burst = { left, everyMs: Math.max(1, Math.floor((until - now) / left)), nextAt: now };
      break;
    }
  }
}

/** The reading a stuck sensor sends: the first one of the fault, again and again. */
export function stuckReading(f: ActiveFaults, fresh: Fields, now: number): Fields {
  if (f.stuckUntil <= now) {
    f.stuckFields = undefined;
    return fresh;
  }
  f.stuckFields ??= fresh;
  return { ...f.stuckFields };
}
