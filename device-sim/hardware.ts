import type { AttributesPayload, DeviceKind } from '../protocol/index.js';
import { hashUnit } from './random.js';

/** What the province bought, per kind: the models of the Lào Cai plan's smart classroom and common lab sensors. */
export const MODELS: Record<DeviceKind, { manufacturer: string; model: string; os: string; firmware: string }> = {
  board: { manufacturer: 'Samsung', model: 'WM85B', os: 'Tizen 6.5', firmware: 'T-KSU2WWC-1105.4' },
  tablet: { manufacturer: 'Samsung', model: 'Galaxy Tab A9+', os: 'Android 14', firmware: 'X216BXXS3BXK1' },
  vr: { manufacturer: 'Meta', model: 'Quest 3', os: 'Horizon OS v71', firmware: '71.0.0.294' },
  sensor: { manufacturer: 'Milesight', model: 'AM319', os: 'RTOS', firmware: 'v1.4.2' },
};

const hex2 = (n: number) => (n & 0xff).toString(16).padStart(2, '0');

/** The slow facts a device announces (retained) on connect: stable for a device id. */
export function deviceAttributes(id: string, kind: DeviceKind): AttributesPayload & { manufacturer: string; simulated: true } {
  const m = MODELS[kind];
  const h = Math.floor(hashUnit(id) * 0xffffffff);
  return {
    manufacturer: m.manufacturer, model: m.model, os: m.os, firmware: m.firmware,
    serial: `SIM-${h.toString(36).toUpperCase()}`,
    ip: `10.${(h >>> 16) & 0xff}.${(h >>> 8) & 0xff}.${(h & 0xfd) + 2}`,
    mac: ['02', hex2(h >>> 24), hex2(h >>> 16), hex2(h >>> 8), hex2(h), hex2(id.length)].join(':'),
    simulated: true,
  };
}

/** Price in VND, service life in years and warranty in years per kind, for the equipment register. */
const ASSET: Record<DeviceKind, { costVnd: number; lifeYears: number; warrantyYears: number }> = {
  board: { costVnd: 89_000_000, lifeYears: 8, warrantyYears: 3 },
  tablet: { costVnd: 6_490_000, lifeYears: 5, warrantyYears: 1 },
  vr: { costVnd: 15_990_000, lifeYears: 5, warrantyYears: 1 },
  sensor: { costVnd: 3_500_000, lifeYears: 6, warrantyYears: 2 },
};

const FUNDING = ['Ngân sách tỉnh (Đề án 131)', 'Ngân sách huyện', 'Xã hội hoá', 'Chương trình mục tiêu quốc gia'] as const;

/** The equipment-register record of a simulated device (digital record KPI): the same for the same device id. */
export function equipmentRecord(id: string, kind: DeviceKind): { manufacturer: string; model: string; serial: string; inServiceDate: string; costVnd: number; fundingSource: string; warrantyEnd: string; serviceLifeYears: number } {
  const m = MODELS[kind];
  const a = ASSET[kind];
  const u = hashUnit(`asset|${id}`);
  // Bought between 2015 and 2025, so some are past their service life, as the plans say of many schools' computers.
  const year = 2015 + Math.floor(u * 11);
  const month = String(1 + Math.floor(hashUnit(`month|${id}`) * 12)).padStart(2, '0');
  return {
    manufacturer: m.manufacturer, model: m.model, serial: deviceAttributes(id, kind).serial!,
    inServiceDate: `${year}-${month}-15`, costVnd: a.costVnd, fundingSource: FUNDING[Math.floor(hashUnit(`fund|${id}`) * FUNDING.length)]!,
    warrantyEnd: `${year + a.warrantyYears}-${month}-15`, serviceLifeYears: a.lifeYears,
  };
}
