import { Type } from '@sinclair/typebox';
import { Celsius, defineKind, Percent } from './define.js';

/** A VR headset (kính thực tế ảo) with its two controllers. */
export const vr = defineKind({
  kind: 'vr',
  label: { vi: 'Kính thực tế ảo', en: 'VR headset' },
  fields: {
    battery: Percent('Headset battery, %.'),
    leftController: Percent('Left controller battery, %.'),
    rightController: Percent('Right controller battery, %.'),
    temperature: Celsius('Headset temperature, °C.'),
    inSession: Type.Boolean({ description: 'A lesson app is running with the headset worn.' }),
    charging: Type.Boolean({ description: 'On the charger.' }),
  },
  health: { batteryField: 'battery', chargingField: 'charging', lowBattery: 20, temperatureField: 'temperature', maxTemperature: 45 },
  chartField: 'battery',
});
