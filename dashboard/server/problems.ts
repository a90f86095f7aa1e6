import type { LiveDevice } from '../../gateway/live-state.js';
import { KINDS, type DeviceKind } from '../../protocol/index.js';
import type { DeviceState, LiveView, ProblemCode } from '../../api/index.js';

/** A rejected reading keeps a device on the problem list for this long. */
export const REJECTION_WINDOW_MS = 60 * 60 * 1000;

export function deviceState(live: LiveDevice | undefined): DeviceState {
  return live?.state ?? 'unknown';
}

/** Connected to a broker (a sleeping device is connected and answers commands when it wakes). */
export function isConnected(state: DeviceState): boolean {
  return state === 'online' || state === 'sleep';
}

/**
 * The problems of one device, from its kind's health rules (protocol KINDS) and its live state. The ONE place
 * that decides what a problem is: the overview counts, the list's `state=problem` filter and the live batches
 * all call this.
 */
export function deviceProblems(kind: DeviceKind, live: LiveDevice | undefined, now: number): ProblemCode[] {
  const out: ProblemCode[] = [];
  if (!isConnected(deviceState(live))) out.push('offline');
  if (!live) return out;
  const h = KINDS[kind].health;
  if (h.batteryField && h.lowBattery !== undefined) {
    const battery = live.latest[h.batteryField];
    if (typeof battery === 'number' && battery < h.lowBattery && (!h.chargingField || live.latest[h.chargingField] !== true)) out.push('low_battery');
  }
  if (h.temperatureField && h.maxTemperature !== undefined) {
    const temperature = live.latest[h.temperatureField];
    if (typeof temperature === 'number' && temperature > h.maxTemperature) out.push('overheating');
  }
  if (live.lastRejection && now - live.lastRejection.ts < REJECTION_WINDOW_MS) out.push('rejected');
  return out;
}

/** Problems that are about the device's health rather than its connection. */
export function healthProblems(problems: ProblemCode[]): ProblemCode[] {
  return problems.filter((p) => p !== 'offline');
}

/** The live view of a device as the API and the sockets send it. */
export function liveView(id: string, kind: DeviceKind, live: LiveDevice | undefined, now: number): LiveView {
  return {
    id,
    state: deviceState(live),
    lastSeen: live?.lastSeen ?? null,
    lastReadingTs: live?.lastReadingTs ?? null,
    latest: live ? { ...live.latest } : {},
    problems: deviceProblems(kind, live, now),
  };
}
