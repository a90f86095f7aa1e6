import { Type } from '@sinclair/typebox';
import type { DeviceKind } from '../kinds/index.js';
import { defineCommand, MessageArgs, type CommandDefinition } from './define.js';

/**
 * Every command of every device kind. Adding a command is adding an entry here (its schema); the simulator, the
 * dashboard and the docs read this table.
 */
const restart = defineCommand({
  name: 'restart',
  label: { vi: 'Khởi động lại', en: 'Restart' },
  description: { vi: 'Khởi động lại thiết bị; thiết bị ngắt kết nối một lúc rồi trở lại.', en: 'Restarts the device; it goes offline briefly and comes back.' },
  harmful: true,
});

const message = defineCommand({
  name: 'message',
  label: { vi: 'Hiện thông báo', en: 'Show a message' },
  description: { vi: 'Hiện một thông báo trên màn hình trong số phút đã chọn.', en: 'Shows a message on the screen for the given minutes.' },
  args: MessageArgs,
  harmful: false,
});

export const COMMANDS: Record<DeviceKind, readonly CommandDefinition[]> = {
  board: [
    defineCommand({
      name: 'power',
      label: { vi: 'Bật / chờ / tắt', en: 'Power on / standby / off' },
      description: { vi: 'Bật màn hình, chuyển sang chế độ chờ hoặc tắt hẳn.', en: 'Switches the panel on, to standby or off.' },
      args: { state: Type.Union([Type.Literal('on'), Type.Literal('standby'), Type.Literal('off')]) },
      // Switching on harms nobody, but one schema per name: the rollout treats the command as harmful as its worst use.
      harmful: true,
    }),
    defineCommand({
      name: 'input',
      label: { vi: 'Chuyển nguồn vào', en: 'Switch input' },
      description: { vi: 'Chuyển nguồn tín hiệu, ví dụ hdmi1, ops, usb-c.', en: 'Switches the input source, e.g. hdmi1, ops, usb-c.' },
      args: { source: Type.String({ minLength: 1, maxLength: 32 }) },
      harmful: false,
    }),
    message,
    restart,
    defineCommand({
      name: 'volume',
      label: { vi: 'Âm lượng', en: 'Set volume' },
      description: { vi: 'Đặt âm lượng loa (0–100).', en: 'Sets the speaker volume (0–100).' },
      args: { level: Type.Integer({ minimum: 0, maximum: 100 }) },
      harmful: false,
    }),
  ],
  tablet: [
    defineCommand({
      name: 'lock',
      label: { vi: 'Khoá máy', en: 'Lock' },
      description: { vi: 'Khoá màn hình cho đến khi được mở khoá.', en: 'Locks the screen until unlocked.' },
      harmful: false,
    }),
    defineCommand({
      name: 'unlock',
      label: { vi: 'Mở khoá', en: 'Unlock' },
      description: { vi: 'Mở khoá máy đã bị khoá từ xa.', en: 'Unlocks a remotely locked tablet.' },
      harmful: false,
    }),
    defineCommand({
      name: 'ring',
      label: { vi: 'Đổ chuông để tìm', en: 'Ring to locate' },
      description: { vi: 'Đổ chuông trong số giây đã chọn để tìm máy.', en: 'Rings for the given seconds to find the tablet.' },
      args: { seconds: Type.Integer({ minimum: 5, maximum: 120 }) },
      harmful: false,
    }),
    message,
    restart,
  ],
  vr: [
    defineCommand({
      name: 'kiosk',
      label: { vi: 'Mở nội dung kiosk', en: 'Start kiosk content' },
      description: { vi: 'Mở một ứng dụng bài học ở chế độ kiosk.', en: 'Starts a lesson app in kiosk mode.' },
      args: { app: Type.String({ minLength: 1, maxLength: 128 }) },
      harmful: false,
    }),
    defineCommand({
      name: 'stop',
      label: { vi: 'Dừng nội dung', en: 'Stop' },
      description: { vi: 'Dừng ứng dụng đang chạy.', en: 'Stops the running app.' },
      harmful: false,
    }),
    restart,
  ],
  sensor: [
    defineCommand({
      name: 'interval',
      label: { vi: 'Chu kỳ đo', en: 'Reading interval' },
      description: { vi: 'Đặt số giây giữa hai lần đo (5–3600).', en: 'Sets the seconds between two readings (5–3600).' },
      args: { seconds: Type.Integer({ minimum: 5, maximum: 3600 }) },
      harmful: false,
    }),
    defineCommand({
      name: 'calibrate',
      label: { vi: 'Hiệu chuẩn', en: 'Calibrate' },
      description: { vi: 'Hiệu chuẩn một đại lượng, hoặc tất cả nếu không chọn.', en: 'Calibrates one field, or all of them if none is given.' },
      args: { field: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
      harmful: false,
    }),
  ],
};
