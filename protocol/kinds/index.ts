import { board } from './board.js';
import { sensor } from './sensor.js';
import { tablet } from './tablet.js';
import { vr } from './vr.js';

/**
 * Every device kind the protocol knows. Adding a kind means adding a file beside this one and a line here:
 * broker, gateway, dashboard and simulator all read the list.
 */
export const KINDS = { board, tablet, vr, sensor } as const;

export type DeviceKind = keyof typeof KINDS;
export const DEVICE_KINDS = Object.keys(KINDS) as DeviceKind[];

export function isDeviceKind(value: string): value is DeviceKind {
  return Object.hasOwn(KINDS, value);
}
