/**
 * The words of health: each rule's name and each reason as a sentence, Vietnamese first, for the screens, the
 * e-mails and the webhooks alike. Browser-safe.
 */
import type { HealthReason, RuleId } from './health.js';

type Lang = 'vi' | 'en';

/**
 * Numbers as lib/vn/format.ts writes them ("1.820" in Vietnamese, "1,820" in English). domain/ is the bottom layer
 * and may not import lib/ (dependency-cruiser), so the few lines are repeated here.
 */
const formats = new Map<Lang, Intl.NumberFormat>();
function num(lang: Lang, n: number): string {
  let f = formats.get(lang);
  if (!f) formats.set(lang, (f = new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 })));
  return f.format(n);
}

const LABELS: Record<RuleId, Record<Lang, string>> = {
  offline_school_hours: { vi: 'Mất kết nối trong giờ học', en: 'Offline during school hours' },
  low_battery: { vi: 'Pin yếu', en: 'Low battery' },
  board_overheat: { vi: 'Bảng quá nóng', en: 'Board overheating' },
  co2_high: { vi: 'CO₂ cao', en: 'High CO₂' },
  room_hot: { vi: 'Phòng quá nóng', en: 'Room too hot' },
  no_data: { vi: 'Không có dữ liệu', en: 'No data' },
  sensor_stuck: { vi: 'Cảm biến đứng giá trị', en: 'Sensor value stuck' },
  error_events: { vi: 'Lỗi lặp lại', en: 'Repeated errors' },
  rejected_readings: { vi: 'Bản tin bị từ chối', en: 'Rejected readings' },
  clock_skew: { vi: 'Đồng hồ lệch', en: 'Clock skew' },
  reconnect_storm: { vi: 'Kết nối lại liên tục', en: 'Reconnect storm' },
  low_storage: { vi: 'Sắp hết bộ nhớ', en: 'Storage almost full' },
  weak_wifi: { vi: 'Wi-Fi yếu', en: 'Weak Wi-Fi' },
  flooding: { vi: 'Gửi quá nhiều tin', en: 'Flooding' },
};

const FIELDS: Record<string, Record<Lang, string>> = {
  temperature: { vi: 'nhiệt độ', en: 'temperature' },
  humidity: { vi: 'độ ẩm', en: 'humidity' },
  co2: { vi: 'CO₂', en: 'CO₂' },
  battery: { vi: 'pin', en: 'battery' },
  leftController: { vi: 'tay cầm trái', en: 'left controller' },
  rightController: { vi: 'tay cầm phải', en: 'right controller' },
};

/** What each rule's value measures, for quoting a threshold. */
const UNITS: Record<RuleId, Record<Lang, string>> = {
  offline_school_hours: { vi: 'phút', en: 'min' }, low_battery: { vi: '%', en: '%' }, board_overheat: { vi: '°C', en: '°C' },
  co2_high: { vi: 'ppm', en: 'ppm' }, room_hot: { vi: '°C', en: '°C' }, no_data: { vi: 'chu kỳ', en: 'intervals' },
  sensor_stuck: { vi: 'giờ', en: 'h' }, error_events: { vi: 'lỗi', en: 'errors' }, rejected_readings: { vi: 'bản tin', en: 'readings' },
  clock_skew: { vi: 'phút', en: 'min' }, reconnect_storm: { vi: 'lần', en: 'times' },
  low_storage: { vi: 'MB', en: 'MB' }, weak_wifi: { vi: 'dBm', en: 'dBm' }, flooding: { vi: 'tin/giây', en: 'msg/s' },
};

export function ruleLabel(rule: RuleId, lang: Lang): string {
  return LABELS[rule][lang];
}

export function healthFieldLabel(field: string, lang: Lang): string {
  return FIELDS[field]?.[lang] ?? field;
}

export interface ReasonOptions {
  /** The threshold the value broke, quoted as "(ngưỡng 60 °C)" / "(limit 60 °C)". */
  threshold?: number;
  /** The window of a counted rule (default 60 minutes: "trong 1 giờ"). */
  windowMin?: number;
}

/** One reason in a sentence: "Bảng quá nóng: 67 °C (ngưỡng 60 °C)" / "Board overheating: 67 °C (limit 60 °C)". */
export function reasonText(reason: HealthReason, lang: Lang, o: ReasonOptions = {}): string {
  const { rule, value: v, field } = reason;
  const vi = lang === 'vi';
  const unit = UNITS[rule][lang];
  const limit = o.threshold === undefined ? '' : ` (${vi ? 'ngưỡng' : 'limit'} ${num(lang, o.threshold)}${unit === '%' ? ' %' : ` ${unit}`})`;
  if (v === undefined) return ruleLabel(rule, lang) + limit;
  const n = num(lang, v);
  const win = windowText(lang, o.windowMin ?? 60);
  const text = ((): string => {
    switch (rule) {
      case 'offline_school_hours': return vi ? `Mất kết nối ${n} phút trong giờ học` : `Offline for ${n} min during school hours`;
      case 'low_battery':
        if (field && field !== 'battery') return vi ? `Pin ${healthFieldLabel(field, lang)} yếu ${n} %` : `${cap(healthFieldLabel(field, lang))} battery low: ${n} %`;
        return vi ? `Pin yếu ${n} % và không sạc` : `Battery low: ${n} %, not charging`;
      case 'board_overheat': return vi ? `Bảng quá nóng: ${n} °C` : `Board overheating: ${n} °C`;
      case 'room_hot': return vi ? `Phòng quá nóng: ${n} °C` : `Room too hot: ${n} °C`;
      case 'co2_high': return vi ? `CO₂ ${n} ppm trong phòng có người` : `CO₂ ${n} ppm in an occupied room`;
      case 'no_data': return vi ? `Không có dữ liệu (bỏ lỡ ${n} chu kỳ)` : `No data (${n} ${v === 1 ? 'interval' : 'intervals'} missed)`;
      case 'sensor_stuck': {
        const what = field ? ` (${healthFieldLabel(field, lang)})` : '';
        return vi ? `Giá trị cảm biến không đổi ${n} giờ${what}` : `Sensor value unchanged for ${n} h${what}`;
      }
      case 'error_events': return vi ? `${n} lỗi trong ${win}` : `${n} ${v === 1 ? 'error' : 'errors'} in ${win}`;
      case 'rejected_readings': return vi ? `${n} bản tin bị từ chối trong ${win}` : `${n} ${v === 1 ? 'reading' : 'readings'} rejected in ${win}`;
      case 'clock_skew': return vi ? `Đồng hồ lệch ${n} phút` : `Clock off by ${n} min`;
      case 'reconnect_storm': return vi ? `Kết nối lại ${n} lần trong ${win}` : `Reconnected ${n} ${v === 1 ? 'time' : 'times'} in ${win}`;
      case 'low_storage': return vi ? `Còn trống ${n} MB bộ nhớ` : `${n} MB of storage left`;
      case 'weak_wifi': return vi ? `Wi-Fi yếu: ${n} dBm` : `Weak Wi-Fi: ${n} dBm`;
      case 'flooding': return vi ? `Thiết bị gửi quá nhiều tin: ${n} tin/giây, bị giới hạn` : `Device sends too many messages: ${n} msg/s, throttled`;
    }
  })();
  return text + limit;
}

function windowText(lang: Lang, min: number): string {
  const vi = lang === 'vi';
  if (min % 60 === 0) {
    const h = min / 60;
    return vi ? `${num(lang, h)} giờ` : `${num(lang, h)} ${h === 1 ? 'hour' : 'hours'}`;
  }
  return vi ? `${num(lang, min)} phút` : `${num(lang, min)} min`;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
