import { Type } from '@sinclair/typebox';
import { Celsius, defineKind } from './define.js';

/** Interactive flat panel (bảng tương tác / màn hình tương tác). */
export const board = defineKind({
  kind: 'board',
  label: { vi: 'Bảng tương tác', en: 'Interactive board' },
  fields: {
    power: Type.Union([Type.Literal('on'), Type.Literal('standby'), Type.Literal('off')], { description: 'Power state.' }),
    temperature: Celsius('Panel temperature, °C.'),
    input: Type.String({ maxLength: 32, description: 'Active input source, e.g. hdmi1, ops, usb-c, whiteboard.' }),
    touches: Type.Integer({ minimum: 0, description: 'Touch events since the previous reading.' }),
    uptime: Type.Integer({ minimum: 0, description: 'Seconds since the panel was switched on.' }),
    brightness: Type.Number({ minimum: 0, maximum: 100, description: 'Backlight level, %.' }),
  },
  health: { temperatureField: 'temperature', maxTemperature: 60 },
  chartField: 'temperature',
});
