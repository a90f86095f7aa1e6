/**
 * A health reason in words. LOCAL FALLBACK: domain/health-texts.ts (`reasonText`, written in parallel with this
 * screen) is the one place for these words; once it lands this file should re-export it.
 */
import type { HealthReason, RuleId } from '../../../../../domain/index.js';
import { formatNumber, type Lang } from '../../../../../lib/vn/format.js';

type Words = (v: string, field: string) => string;
const TEXTS: Record<RuleId, { vi: Words; en: Words }> = {
  offline_school_hours: { vi: (v) => `Mất kết nối trong giờ học${v ? ` (${v} phút)` : ''}`, en: (v) => `Offline during school hours${v ? ` (${v} min)` : ''}` },
  low_battery: { vi: (v) => `Pin yếu${v ? ` (${v} %)` : ''}, không sạc`, en: (v) => `Low battery${v ? ` (${v} %)` : ''}, not charging` },
  board_overheat: { vi: (v) => `Bảng quá nóng${v ? ` (${v} °C)` : ''}`, en: (v) => `Board overheating${v ? ` (${v} °C)` : ''}` },
  co2_high: { vi: (v) => `CO₂ cao${v ? ` (${v} ppm)` : ''} khi phòng có người`, en: (v) => `High CO₂${v ? ` (${v} ppm)` : ''} in an occupied room` },
  room_hot: { vi: (v) => `Phòng quá nóng${v ? ` (${v} °C)` : ''}`, en: (v) => `Room too hot${v ? ` (${v} °C)` : ''}` },
  no_data: { vi: (v) => `Kết nối nhưng không gửi dữ liệu${v ? ` (${v} phút)` : ''}`, en: (v) => `Connected but silent${v ? ` (${v} min)` : ''}` },
  sensor_stuck: { vi: (v, f) => `Giá trị ${f || 'cảm biến'} không đổi${v ? ` (${v} giờ)` : ''}`, en: (v, f) => `${f || 'Sensor'} value stuck${v ? ` (${v} h)` : ''}` },
  error_events: { vi: (v) => `Lỗi lặp lại${v ? ` (${v} lần/giờ)` : ''}`, en: (v) => `Repeated errors${v ? ` (${v} per hour)` : ''}` },
  rejected_readings: { vi: (v) => `Nhiều dữ liệu bị từ chối${v ? ` (${v} lần/giờ)` : ''}`, en: (v) => `Many rejected readings${v ? ` (${v} per hour)` : ''}` },
  clock_skew: { vi: (v) => `Đồng hồ thiết bị lệch${v ? ` ${v} giây` : ''}`, en: (v) => `Device clock off${v ? ` by ${v} s` : ''}` },
  reconnect_storm: { vi: (v) => `Kết nối lại liên tục${v ? ` (${v} lần/giờ)` : ''}`, en: (v) => `Reconnect storm${v ? ` (${v} per hour)` : ''}` },
};

export function reasonText(r: HealthReason, lang: Lang): string {
  const text = TEXTS[r.rule];
  if (!text) return r.rule;
  // Skew is stored in ms; the words quote seconds.
  const value = r.value === undefined ? '' : formatNumber(lang, r.rule === 'clock_skew' ? Math.abs(r.value) / 1000 : r.value);
  return text[lang](value, r.field ?? '');
}
