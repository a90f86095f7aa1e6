import { Type } from '@sinclair/typebox';
import { defineKind, Percent } from './define.js';

/** A pupil's or teacher's tablet (máy tính bảng). */
export const tablet = defineKind({
  kind: 'tablet',
  label: { vi: 'Máy tính bảng', en: 'Tablet' },
  fields: {
    battery: Percent('Battery level, %.'),
    charging: Type.Boolean({ description: 'On the charger or the charging cart.' }),
    storageFree: Type.Number({ minimum: 0, description: 'Free storage, MB.' }),
    wifiRssi: Type.Number({ minimum: -120, maximum: 0, description: 'Wi-Fi signal strength, dBm.' }),
    screenOn: Type.Boolean({ description: 'Screen is on.' }),
    locked: Type.Boolean({ description: 'Locked by the teacher or the MDM.' }),
    temperature: Type.Number({ minimum: -40, maximum: 150, description: 'Battery temperature, °C.' }),
  },
  health: { batteryField: 'battery', chargingField: 'charging', lowBattery: 15, temperatureField: 'temperature', maxTemperature: 50 },
  chartField: 'battery',
});
