import type { TObject, TProperties } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

/** Thresholds the fleet overview uses to call a device a problem; per kind because a VR headset runs hotter than a tablet. */
export interface HealthRules {
  /** Field holding the main battery level in percent. */
  batteryField?: string;
  /** Below this battery percentage (and not charging) the device is flagged "low battery". */
  lowBattery?: number;
  /** Boolean field that is true while the device charges: a device on the charger is not "low battery". */
  chargingField?: string;
  /** Field holding the device temperature in °C. */
  temperatureField?: string;
  /** Above this temperature the device is flagged "overheating". */
  maxTemperature?: number;
}

export interface KindDefinition<P extends TProperties = TProperties> {
  kind: string;
  label: { vi: string; en: string };
  /** The fields one reading of this kind may carry; every field is optional, unknown ones are refused. */
  fields: P;
  health: HealthRules;
  /** The field plotted by default on the device page. */
  chartField: string;
}

export function defineKind<P extends TProperties>(def: KindDefinition<P>): KindDefinition<P> & { reading: TObject } {
  const optional: TProperties = {};
  for (const [name, schema] of Object.entries(def.fields)) optional[name] = Type.Optional(schema);
  const reading = Type.Object(
    {
      ts: Type.Optional(Type.Integer({ minimum: 0, description: 'Device time of the reading, ms since the Unix epoch (UTC).' })),
      seq: Type.Optional(Type.Integer({ minimum: 0, description: 'Device sequence number, for spotting gaps.' })),
      ...optional,
    },
    { additionalProperties: false, minProperties: 1 },
  );
  return { ...def, reading };
}

export const Percent = (description: string) => Type.Number({ minimum: 0, maximum: 100, description });
export const Celsius = (description: string) => Type.Number({ minimum: -40, maximum: 150, description });
