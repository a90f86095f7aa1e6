import { useEffect, useState } from 'preact/hooks';
import { adminMessages } from './messages/admin.js';
import { recordsMessages } from './messages/records.js';
import { usageMessages } from './messages/usage.js';

/** Vietnamese first; English on a switch. No library: one dictionary, one store, Intl for numbers and dates. */
import { formatNumber, pluralCategory, type Lang } from '../../../lib/vn/format.js';

export type { Lang } from '../../../lib/vn/format.js';
export { TIME_ZONE } from '../../../lib/vn/format.js';
const STORAGE_KEY = 'edufleet.lang';

const vi = {
  'app.tagline': 'Quản lý thiết bị lớp học thông minh',
  'login.title': 'Đăng nhập',
  'login.username': 'Tên đăng nhập',
  'login.password': 'Mật khẩu',
  'login.submit': 'Đăng nhập',
  'login.busy': 'Đang đăng nhập…',
  'login.bad': 'Sai tên đăng nhập hoặc mật khẩu.',
  'login.failed': 'Không đăng nhập được: {message}',
  'nav.overview': 'Tổng quan',
  'nav.devices': 'Thiết bị',
  'nav.logout': 'Đăng xuất',
  'lang.switch': 'English',
  'lang.switchTitle': 'Switch to English',
  'conn.live': 'Trực tiếp',
  'conn.down': 'Mất kết nối máy chủ',
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
  'overview.title': 'Tổng quan thiết bị',
  'overview.total': 'Tổng số thiết bị',
  'overview.online': 'Trực tuyến',
  'overview.offline': 'Ngoại tuyến',
  'overview.problems': 'Có sự cố',
  'overview.byKind': 'Theo loại thiết bị',
  'overview.bySchool': 'Theo trường',
  'overview.school': 'Trường',
  'overview.totalShort': 'Tổng',
  'overview.updated': 'Cập nhật lúc {time}',
  'overview.noLive': 'Tiến trình này không chạy gateway nên chưa có trạng thái trực tiếp của thiết bị.',
  'overview.noSchools': 'Chưa có trường nào trong phạm vi của bạn.',
  'overview.problemBreakdown': 'Sự cố theo loại',
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
  'device.back': '‹ Danh sách thiết bị',
  'device.record': 'Hồ sơ thiết bị',
  'device.id': 'Mã thiết bị',
  'device.code': 'Mã tài sản',
  'device.kind': 'Loại thiết bị',
  'device.model': 'Mẫu máy',
  'device.manufacturer': 'Hãng sản xuất',
  'device.serial': 'Số sê-ri',
  'device.district': 'Huyện / thành phố',
  'device.school': 'Trường',
  'device.site': 'Điểm trường',
  'device.room': 'Phòng',
  'device.createdAt': 'Ngày lập hồ sơ',
  'device.lastSeen': 'Hoạt động lần cuối',
  'device.lastReading': 'Số liệu lúc',
  'device.latest': 'Số liệu mới nhất',
  'device.field': 'Chỉ số',
  'device.value': 'Giá trị',
  'device.chart': 'Biểu đồ trực tiếp: {field} (1 giờ qua)',
  'device.noReadings': 'Chưa có số liệu.',
  'device.rejected': 'Số liệu bị từ chối',
  'device.lastRejection': 'Lần từ chối gần nhất',
  'device.readingsError': 'Không đọc được lịch sử từ InfluxDB; đang hiển thị trạng thái trực tiếp.',
  'device.noProblems': 'Không có sự cố',
  'common.yes': 'Có',
  'common.no': 'Không',
  'common.error': 'Lỗi: {message}',
  'common.forbidden': 'Bạn không có quyền xem mục này.',
  'common.notFound': 'Không tìm thấy.',
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
  'kpi.title': 'Chỉ số số hoá hồ sơ thiết bị',
  'kpi.targetNote': 'Mục tiêu: 80 % thiết bị được quản lý bằng hồ sơ số vào năm 2025, 100 % vào năm 2030.',
  'kpi.provinceShare': 'Toàn tỉnh: thiết bị có hồ sơ số',
  'kpi.scopeShare': 'Trong phạm vi của bạn: thiết bị có hồ sơ số',
  'kpi.ofDevices': '{withRecord} / {devices, plural, other {# thiết bị}}',
  'kpi.liveShare': 'Gửi dữ liệu trong 24 giờ qua',
  'kpi.ofConnected': '{live} / {connected} thiết bị kết nối',
  'kpi.pastLifeShare': 'Quá niên hạn sử dụng',
  'kpi.repairShare': 'Đang sửa chữa',
  'kpi.byDistrict': 'Theo Phòng GDĐT',
  'kpi.bySchool': 'Theo trường',
  'kpi.underSo': 'Trực thuộc Sở',
  'kpi.district': 'Đơn vị quản lý',
  'kpi.devices': 'Thiết bị',
  'kpi.recordShort': 'Có hồ sơ số',
  'kpi.liveShort': 'Trực tuyến 24 giờ',
  'kpi.pastLifeShort': 'Quá niên hạn',
  'kpi.repairShort': 'Đang sửa',
  'kpi.target': 'Mục tiêu {year}: {share}',
  'kpi.chartLabel': 'Tỉ lệ thiết bị có hồ sơ số, với mục tiêu 2025 và 2030',
  'kpi.definition': 'Hồ sơ số đầy đủ: có mã thiết bị, loại, phòng, model hoặc số sê-ri, ngày đưa vào sử dụng và nguyên giá. Không tính thiết bị đã thanh lý. Tỉ lệ trực tuyến tính trên các thiết bị đã được cấp khoá MQTT; quá niên hạn: ngày đưa vào sử dụng cộng niên hạn trước hôm nay (giờ Việt Nam).',
  ...recordsMessages.vi,
  ...adminMessages.vi,
  ...usageMessages.vi,
};

export type MessageKey = keyof typeof vi;

const en: Record<MessageKey, string> = {
  'app.tagline': 'Smart-classroom device fleet',
  'login.title': 'Log in',
  'login.username': 'User name',
  'login.password': 'Password',
  'login.submit': 'Log in',
  'login.busy': 'Logging in…',
  'login.bad': 'Wrong user name or password.',
  'login.failed': 'Could not log in: {message}',
  'nav.overview': 'Overview',
  'nav.devices': 'Devices',
  'nav.logout': 'Log out',
  'lang.switch': 'Tiếng Việt',
  'lang.switchTitle': 'Chuyển sang tiếng Việt',
  'conn.live': 'Live',
  'conn.down': 'Server connection lost',
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
  'overview.title': 'Fleet overview',
  'overview.total': 'Devices',
  'overview.online': 'Online',
  'overview.offline': 'Offline',
  'overview.problems': 'With problems',
  'overview.byKind': 'By device kind',
  'overview.bySchool': 'By school',
  'overview.school': 'School',
  'overview.totalShort': 'Total',
  'overview.updated': 'Updated at {time}',
  'overview.noLive': 'This process runs no gateway, so there is no live device state yet.',
  'overview.noSchools': 'No school within your scope yet.',
  'overview.problemBreakdown': 'Problems by type',
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
  'device.back': '‹ Devices',
  'device.record': 'Device record',
  'device.id': 'Device id',
  'device.code': 'Asset code',
  'device.kind': 'Kind',
  'device.model': 'Model',
  'device.manufacturer': 'Manufacturer',
  'device.serial': 'Serial number',
  'device.district': 'District',
  'device.school': 'School',
  'device.site': 'Site',
  'device.room': 'Room',
  'device.createdAt': 'Record created',
  'device.lastSeen': 'Last seen',
  'device.lastReading': 'Reading at',
  'device.latest': 'Latest readings',
  'device.field': 'Field',
  'device.value': 'Value',
  'device.chart': 'Live chart: {field} (last hour)',
  'device.noReadings': 'No readings yet.',
  'device.rejected': 'Rejected readings',
  'device.lastRejection': 'Last rejection',
  'device.readingsError': 'InfluxDB did not answer; showing the live state only.',
  'device.noProblems': 'No problems',
  'common.yes': 'Yes',
  'common.no': 'No',
  'common.error': 'Error: {message}',
  'common.forbidden': 'You may not see this.',
  'common.notFound': 'Not found.',
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
  'kpi.title': 'Digital records KPI',
  'kpi.targetNote': 'Target: 80 % of equipment managed by digital records by 2025, 100 % by 2030.',
  'kpi.provinceShare': 'Province: devices with a digital record',
  'kpi.scopeShare': 'Within your scope: devices with a digital record',
  'kpi.ofDevices': '{withRecord} of {devices, plural, one {# device} other {# devices}}',
  'kpi.liveShare': 'Reporting in the last 24 h',
  'kpi.ofConnected': '{live} of {connected} connected devices',
  'kpi.pastLifeShare': 'Past their service life',
  'kpi.repairShare': 'In repair',
  'kpi.byDistrict': 'By district office',
  'kpi.bySchool': 'By school',
  'kpi.underSo': 'Under the Department',
  'kpi.district': 'Managed by',
  'kpi.devices': 'Devices',
  'kpi.recordShort': 'Digital record',
  'kpi.liveShort': 'Live in 24 h',
  'kpi.pastLifeShort': 'Past service life',
  'kpi.repairShort': 'In repair',
  'kpi.target': 'Target {year}: {share}',
  'kpi.chartLabel': 'Share of devices with a digital record, with the 2025 and 2030 targets',
  'kpi.definition': 'A complete digital record has a device code, kind, room, model or serial number, date put into service and purchase cost. Retired devices are not counted. The live share counts devices that have MQTT credentials; past service life: in-service date plus service life before today (Vietnam time).',
  ...recordsMessages.en,
  ...adminMessages.en,
  ...usageMessages.en,
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
