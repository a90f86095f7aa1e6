import { useEffect, useState } from 'preact/hooks';
import { alertRulesMessages } from './features/alert-rules/messages.js';
import { apiTokensMessages } from './features/api-tokens/messages.js';
import { integrationsMessages } from './features/integrations/messages.js';
import { alertsMessages } from './features/alerts/messages.js';
import { auditMessages } from './features/audit/messages.js';
import { commandsMessages } from './features/commands/messages.js';
import { deviceMessages } from './features/device/messages.js';
import { edgesMessages } from './features/edges/messages.js';
import { edgeImportMessages } from './features/edge-import/messages.js';
import { healthMessages } from './features/health/messages.js';
import { importMessages } from './features/import/messages.js';
import { kpiMessages } from './features/kpi/messages.js';
import { loginMessages } from './features/login/messages.js';
import { overviewMessages } from './features/overview/messages.js';
import { planningMessages } from './features/planning/messages.js';
import { provisioningMessages } from './features/provisioning/messages.js';
import { recipientsMessages } from './features/recipients/messages.js';
import { recordsMessages } from './features/records/messages.js';
import { silencesMessages } from './features/silences/messages.js';
import { timetableMessages } from './features/timetable/messages.js';
import { treeMessages } from './features/tree/messages.js';
import { usageMessages } from './features/usage/messages.js';
import { usersMessages } from './features/users/messages.js';
import { wallMessages } from './features/wall/messages.js';

/** Vietnamese first; English on a switch. No library: one dictionary, one store, Intl for numbers and dates. */
import { formatNumber, pluralCategory, type Lang } from '../../../lib/vn/format.js';

export type { Lang } from '../../../lib/vn/format.js';
export { TIME_ZONE } from '../../../lib/vn/format.js';
const STORAGE_KEY = 'edufleet.lang';

const vi = {
  'app.tagline': 'Quản lý thiết bị lớp học thông minh',
  'nav.overview': 'Tổng quan',
  'nav.devices': 'Thiết bị',
  'nav.logout': 'Đăng xuất',
  'lang.switch': 'English',
  'lang.switchTitle': 'Switch to English',
  'conn.live': 'Trực tiếp',
  'conn.connecting': 'Đang kết nối…',
  'conn.reconnecting': 'Mất kết nối trực tiếp — đang kết nối lại…',
  'state.online': 'Trực tuyến',
  'state.sleep': 'Đang ngủ',
  'state.offline': 'Ngoại tuyến',
  'state.unknown': 'Chưa kết nối',
  'problem.offline': 'Mất kết nối',
  'problem.low_battery': 'Pin yếu',
  'problem.overheating': 'Quá nhiệt',
  'problem.rejected': 'Dữ liệu bị từ chối',
  'role.admin': 'Quản trị hệ thống',
  'role.planner': 'Cán bộ kế hoạch',
  'role.technician': 'Kỹ thuật viên',
  'role.viewer': 'Người xem',
  'devices.title': 'Danh sách thiết bị',
  'devices.search': 'Tìm theo mã, tên, mã tài sản, số sê-ri…',
  'devices.allSchools': 'Tất cả các trường',
  'devices.allRooms': 'Tất cả các phòng',
  'devices.allKinds': 'Tất cả các loại',
  'devices.allStates': 'Mọi trạng thái',
  'devices.stateProblem': 'Có sự cố',
  'devices.name': 'Thiết bị',
  'devices.kind': 'Loại',
  'devices.school': 'Trường',
  'devices.room': 'Phòng',
  'devices.state': 'Trạng thái',
  'devices.lastSeen': 'Hoạt động lần cuối',
  'devices.problems': 'Sự cố',
  'devices.page': '{from}–{to} trên {total, plural, other {# thiết bị}}',
  'devices.prev': '‹ Trang trước',
  'devices.next': 'Trang sau ›',
  'devices.empty': 'Không có thiết bị nào phù hợp.',
  'devices.loading': 'Đang tải…',
  'common.yes': 'Có',
  'common.no': 'Không',
  'common.error': 'Lỗi: {message}',
  'common.loading': 'Đang tải…',
  'common.forbidden': 'Bạn không có quyền xem mục này.',
  'common.notFound': 'Không tìm thấy.',
  'common.confirmTitle': 'Xác nhận',
  'common.confirm': 'Đồng ý',
  'common.cancel': 'Huỷ',
  'field.battery': 'Pin',
  'field.charging': 'Đang sạc',
  'field.storageFree': 'Bộ nhớ trống',
  'field.wifiRssi': 'Sóng Wi-Fi',
  'field.screenOn': 'Màn hình bật',
  'field.locked': 'Đã khoá',
  'field.temperature': 'Nhiệt độ',
  'field.power': 'Nguồn điện',
  'field.input': 'Đầu vào',
  'field.touches': 'Số lần chạm',
  'field.uptime': 'Thời gian bật (giây)',
  'field.brightness': 'Độ sáng',
  'field.leftController': 'Pin tay cầm trái',
  'field.rightController': 'Pin tay cầm phải',
  'field.inSession': 'Đang trong tiết học',
  'field.humidity': 'Độ ẩm',
  'field.co2': 'CO₂',
  'field.pm25': 'Bụi PM2.5',
  'field.light': 'Ánh sáng',
  'field.noise': 'Độ ồn',
  'field.occupancy': 'Số người trong phòng',
  'nav.kpi': 'Chỉ số số hoá',
  ...alertRulesMessages.vi,
  ...apiTokensMessages.vi,
  ...integrationsMessages.vi,
  ...alertsMessages.vi,
  ...auditMessages.vi,
  ...commandsMessages.vi,
  ...deviceMessages.vi,
  ...edgesMessages.vi,
  ...edgeImportMessages.vi,
  ...healthMessages.vi,
  ...importMessages.vi,
  ...kpiMessages.vi,
  ...loginMessages.vi,
  ...overviewMessages.vi,
  ...planningMessages.vi,
  ...provisioningMessages.vi,
  ...recordsMessages.vi,
  ...recipientsMessages.vi,
  ...silencesMessages.vi,
  ...timetableMessages.vi,
  ...treeMessages.vi,
  ...usageMessages.vi,
  ...usersMessages.vi,
  ...wallMessages.vi,
};

export type MessageKey = keyof typeof vi;

const en: Record<MessageKey, string> = {
  'app.tagline': 'Smart-classroom device fleet',
  'nav.overview': 'Overview',
  'nav.devices': 'Devices',
  'nav.logout': 'Log out',
  'lang.switch': 'Tiếng Việt',
  'lang.switchTitle': 'Chuyển sang tiếng Việt',
  'conn.live': 'Live',
  'conn.connecting': 'Connecting…',
  'conn.reconnecting': 'Live connection lost — reconnecting…',
  'state.online': 'Online',
  'state.sleep': 'Asleep',
  'state.offline': 'Offline',
  'state.unknown': 'Never connected',
  'problem.offline': 'Offline',
  'problem.low_battery': 'Low battery',
  'problem.overheating': 'Overheating',
  'problem.rejected': 'Rejected readings',
  'role.admin': 'Administrator',
  'role.planner': 'Planner',
  'role.technician': 'Technician',
  'role.viewer': 'Viewer',
  'devices.title': 'Devices',
  'devices.search': 'Search by id, name, asset code, serial…',
  'devices.allSchools': 'All schools',
  'devices.allRooms': 'All rooms',
  'devices.allKinds': 'All kinds',
  'devices.allStates': 'Any state',
  'devices.stateProblem': 'With problems',
  'devices.name': 'Device',
  'devices.kind': 'Kind',
  'devices.school': 'School',
  'devices.room': 'Room',
  'devices.state': 'State',
  'devices.lastSeen': 'Last seen',
  'devices.problems': 'Problems',
  'devices.page': '{from}–{to} of {total, plural, one {# device} other {# devices}}',
  'devices.prev': '‹ Previous',
  'devices.next': 'Next ›',
  'devices.empty': 'No device matches.',
  'devices.loading': 'Loading…',
  'common.yes': 'Yes',
  'common.no': 'No',
  'common.error': 'Error: {message}',
  'common.loading': 'Loading…',
  'common.forbidden': 'You may not see this.',
  'common.notFound': 'Not found.',
  'common.confirmTitle': 'Please confirm',
  'common.confirm': 'Confirm',
  'common.cancel': 'Cancel',
  'field.battery': 'Battery',
  'field.charging': 'Charging',
  'field.storageFree': 'Free storage',
  'field.wifiRssi': 'Wi-Fi signal',
  'field.screenOn': 'Screen on',
  'field.locked': 'Locked',
  'field.temperature': 'Temperature',
  'field.power': 'Power',
  'field.input': 'Input',
  'field.touches': 'Touches',
  'field.uptime': 'Uptime (s)',
  'field.brightness': 'Brightness',
  'field.leftController': 'Left controller battery',
  'field.rightController': 'Right controller battery',
  'field.inSession': 'In a lesson',
  'field.humidity': 'Humidity',
  'field.co2': 'CO₂',
  'field.pm25': 'PM2.5',
  'field.light': 'Light',
  'field.noise': 'Noise',
  'field.occupancy': 'People in the room',
  'nav.kpi': 'Digital records KPI',
  ...alertRulesMessages.en,
  ...apiTokensMessages.en,
  ...integrationsMessages.en,
  ...alertsMessages.en,
  ...auditMessages.en,
  ...commandsMessages.en,
  ...deviceMessages.en,
  ...edgesMessages.en,
  ...edgeImportMessages.en,
  ...healthMessages.en,
  ...importMessages.en,
  ...kpiMessages.en,
  ...loginMessages.en,
  ...overviewMessages.en,
  ...planningMessages.en,
  ...provisioningMessages.en,
  ...recordsMessages.en,
  ...recipientsMessages.en,
  ...silencesMessages.en,
  ...timetableMessages.en,
  ...treeMessages.en,
  ...usageMessages.en,
  ...usersMessages.en,
  ...wallMessages.en,
};

const DICT: Record<Lang, Record<MessageKey, string>> = { vi, en };

function initialLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi'; // storage blocked: Vietnamese, the default
  }
}

let current: Lang = initialLang();
const listeners = new Set<(l: Lang) => void>();

export function setLang(l: Lang): void {
  current = l;
  try {
    localStorage.setItem(STORAGE_KEY, l);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
  document.documentElement.lang = l;
  for (const fn of listeners) fn(l);
}

export type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** `{n, plural, one {# device} other {# devices}}`: the form of n's plural category (Intl.PluralRules), # as n. */
const PLURAL = /\{(\w+), plural,((?:\s*\w+ \{[^{}]*\})+)\s*\}/g;
function plural(lang: Lang, forms: string, n: number): string {
  const byCategory = new Map([...forms.matchAll(/(\w+) \{([^{}]*)\}/g)].map((m) => [m[1]!, m[2]!]));
  const form = byCategory.get(pluralCategory(lang, n)) ?? byCategory.get('other') ?? '';
  return form.replace(/#/g, formatNumber(lang, n, 0));
}

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const text = DICT[lang][key];
  if (!vars) return text;
  return text
    .replace(PLURAL, (_, name: string, forms: string) => plural(lang, forms, Number(vars[name] ?? 0)))
    .replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
}

/** A field's label; a field a newer kind added without a dictionary entry shows its protocol name. */
export function fieldLabel(lang: Lang, name: string): string {
  const key = `field.${name}`;
  return key in vi ? DICT[lang][key as MessageKey] : name;
}

/** One formatter for the screen and the exports (lib/vn/format.ts): numbers, dates and times in Asia/Ho_Chi_Minh. */
export {
  formatNumber as fmtNumber, formatDateTime as fmtDateTime, formatDate as fmtDate, formatTime as fmtTime,
  formatMoney as fmtVnd, formatPercent as fmtPct, formatDay as fmtIsoDate,
} from '../../../lib/vn/format.js';

/** The current language and a translator bound to it; re-renders the component on a switch. */
export function useI18n(): { lang: Lang; t: T } {
  const [lang, setLocal] = useState(current);
  useEffect(() => {
    listeners.add(setLocal);
    return () => void listeners.delete(setLocal);
  }, []);
  return { lang, t: (key, vars) => translate(lang, key, vars) };
}

export function currentLang(): Lang {
  return current;
}
