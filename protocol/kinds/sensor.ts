import { Type } from '@sinclair/typebox';
import { Celsius, defineKind, Percent } from './define.js';

/** A room or lab sensor: any subset of these fields. */
export const sensor = defineKind({
  kind: 'sensor',
  label: { vi: 'Cảm biến', en: 'Sensor' },
  fields: {
    temperature: Celsius('Air temperature, °C.'),
    humidity: Percent('Relative humidity, %.'),
    co2: Type.Number({ minimum: 0, maximum: 10000, description: 'CO₂, ppm.' }),
    pm25: Type.Number({ minimum: 0, maximum: 2000, description: 'PM2.5, µg/m³.' }),
    light: Type.Number({ minimum: 0, maximum: 200000, description: 'Illuminance, lux.' }),
    noise: Type.Number({ minimum: 0, maximum: 200, description: 'Sound level, dB(A).' }),
    occupancy: Type.Integer({ minimum: 0, maximum: 1000, description: 'People counted in the room.' }),
    battery: Percent('Battery, % (battery-powered sensors only).'),
  },
  health: { batteryField: 'battery', lowBattery: 10, temperatureField: 'temperature', maxTemperature: 45 },
  chartField: 'temperature',
});
