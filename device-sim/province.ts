import type { DeviceKind } from '../protocol/index.js';
import type { RoomType, SchoolLevel } from '../registry/index.js';
import { between, pick, seededRng, type Rng } from './random.js';
import { parseScenario, type Scenario, type ScenarioRoom, type ScenarioSchool } from './scenario.js';

/** The districts (Phòng GDĐT) of Lào Cai, with communes to name schools and sites after. */
const DISTRICTS: { code: string; name: string; short: string; communes: string[] }[] = [
  { code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai', short: 'TP', communes: ['Cốc Lếu', 'Kim Tân', 'Duyên Hải', 'Bình Minh', 'Pom Hán', 'Bắc Cường', 'Nam Cường', 'Lào Cai'] },
  { code: 'BAT-XAT', name: 'Huyện Bát Xát', short: 'BX', communes: ['Bản Vược', 'Trịnh Tường', 'Y Tý', 'Bản Qua', 'Mường Hum', 'Quang Kim'] },
  { code: 'BAO-THANG', name: 'Huyện Bảo Thắng', short: 'BT', communes: ['Phong Niên', 'Xuân Quang', 'Phố Lu', 'Tằng Loỏng', 'Gia Phú', 'Sơn Hải'] },
  { code: 'BAO-YEN', name: 'Huyện Bảo Yên', short: 'BY', communes: ['Phố Ràng', 'Bảo Hà', 'Kim Sơn', 'Nghĩa Đô', 'Tân Dương'] },
  { code: 'SA-PA', name: 'Thị xã Sa Pa', short: 'SP', communes: ['Tả Phìn', 'Lao Chải', 'Tả Van', 'Sa Pả', 'Bản Hồ', 'Thanh Bình'] },
  { code: 'VAN-BAN', name: 'Huyện Văn Bàn', short: 'VB', communes: ['Khánh Yên', 'Võ Lao', 'Dương Quỳ', 'Minh Lương', 'Nậm Chầy'] },
  { code: 'MUONG-KHUONG', name: 'Huyện Mường Khương', short: 'MK', communes: ['Pha Long', 'Lùng Vai', 'Bản Lầu', 'Cao Sơn', 'Tung Chung Phố'] },
  { code: 'BAC-HA', name: 'Huyện Bắc Hà', short: 'BH', communes: ['Bản Phố', 'Lùng Phình', 'Tà Chải', 'Na Hối', 'Bảo Nhai'] },
  { code: 'SI-MA-CAI', name: 'Huyện Si Ma Cai', short: 'SMC', communes: ['Si Ma Cai', 'Sín Chéng', 'Bản Mế', 'Cán Cấu', 'Nàn Sán'] },
];

interface RoomTemplate { type: RoomType; name: string; devices: Partial<Record<DeviceKind, number>>; use: [number, number] }

/** What each kind of room holds; a smart classroom follows item 1.1 of the Lào Cai plan, scaled down for the simulator. */
const ROOMS: Record<string, RoomTemplate> = {
  smart: { type: 'smart_classroom', name: 'Phòng học thông minh', devices: { board: 1, tablet: 20, vr: 6, sensor: 1 }, use: [0.3, 0.95] },
  computer: { type: 'computer_room', name: 'Phòng Tin học', devices: { board: 1, sensor: 1 }, use: [0.3, 0.8] },
  lab: { type: 'lab', name: 'Phòng thí nghiệm', devices: { board: 1, sensor: 2 }, use: [0.1, 0.5] },
  stem: { type: 'stem_room', name: 'Phòng STEM', devices: { board: 1, tablet: 8, sensor: 1 }, use: [0.05, 0.5] },
  vr: { type: 'vr_room', name: 'Phòng thực tế ảo', devices: { vr: 15, sensor: 1 }, use: [0.05, 0.6] },
  classroom: { type: 'classroom', name: 'Phòng học', devices: { board: 1 }, use: [0.6, 0.95] },
};

const LEVEL_ROOMS: Record<SchoolLevel, string[]> = {
  thpt: ['smart', 'computer', 'lab', 'vr', 'classroom', 'classroom', 'classroom', 'classroom'],
  thcs: ['smart', 'computer', 'lab', 'classroom', 'classroom', 'classroom'],
  tieu_hoc: ['computer', 'stem', 'classroom', 'classroom', 'classroom'],
  mam_non: ['classroom', 'classroom'],
  gdtx: ['computer', 'classroom', 'classroom'],
};

const LEVEL_NAME: Record<SchoolLevel, string> = { thpt: 'Trường THPT', thcs: 'Trường THCS', tieu_hoc: 'Trường Tiểu học', mam_non: 'Trường Mầm non', gdtx: 'Trung tâm GDNN-GDTX' };
const LEVEL_CODE: Record<SchoolLevel, string> = { thpt: 'THPT', thcs: 'THCS', tieu_hoc: 'TH', mam_non: 'MN', gdtx: 'GDTX' };

function makeRooms(rng: Rng, level: SchoolLevel): ScenarioRoom[] {
  const counters = new Map<string, number>();
  return LEVEL_ROOMS[level].map((key, i) => {
    const t = ROOMS[key]!;
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return {
      code: `P${String(i + 1).padStart(2, '0')}`,
      name: `${t.name} ${n}`,
      type: t.type,
      capacity: t.type === 'vr_room' ? 20 : 40,
      use: Math.round(between(rng, t.use[0], t.use[1]) * 100) / 100,
      // Upper-secondary computer rooms host an evening informatics club on Wednesdays.
      outOfHours: level === 'thpt' && key === 'computer' ? [{ weekday: 3, start: '19:00', end: '20:30' }] : [],
      devices: { ...t.devices },
    };
  });
}

function makeSchool(rng: Rng, seq: number, level: SchoolLevel, district: (typeof DISTRICTS)[number] | null, commune: string): ScenarioSchool {
  const rooms = makeRooms(rng, level);
  const sites: ScenarioSchool['sites'] = [{ name: 'Điểm chính', rooms }];
  // Remote schools have satellite sites (điểm trường), usually with one or two plain classrooms.
  if (district && district.code !== 'TP-LAO-CAI' && level !== 'thpt' && rng() < 0.5) {
    sites.push({ name: `Điểm trường ${pick(rng, district.communes)}`, rooms: [{ code: 'P01', name: 'Phòng học 1', type: 'classroom', capacity: 30, use: 0.7, outOfHours: [], devices: { board: 1 } }] });
  }
  return {
    code: `LC-${LEVEL_CODE[level]}-${String(seq).padStart(3, '0')}`,
    name: `${LEVEL_NAME[level]} ${commune}`,
    level,
    pupils: Math.round(between(rng, level === 'thpt' ? 800 : 250, level === 'thpt' ? 1500 : 900)),
    district: district?.code ?? null,
    sites,
  };
}

/** A Lào Cai-like province scaled to about `devices` devices, the same for the same seed. */
export function provinceScenario(o: { devices: number; seed?: number; intervalS?: number; faultRate?: number }): Scenario {
  const seed = o.seed ?? 1;
  const rng = seededRng(seed);
  const schools: ScenarioSchool[] = [];
  let devices = 0;
  const add = (s: ScenarioSchool) => {
    schools.push(s);
    for (const site of s.sites) for (const r of site.rooms) for (const n of Object.values(r.devices)) devices += n ?? 0;
  };
  // Schools under the Sở directly come first, so that even a small demo shows both kinds of school.
  add({ ...makeSchool(rng, 1, 'thpt', null, ''), code: 'LC-THPT-CHUYEN', name: 'Trường THPT Chuyên Lào Cai' });
  let seq = 2;
  const levels: SchoolLevel[] = ['thcs', 'tieu_hoc', 'thpt', 'tieu_hoc', 'thcs', 'mam_non'];
  for (let i = 0; devices < o.devices; i++) {
    const district = DISTRICTS[i % DISTRICTS.length]!;
    const level = levels[Math.floor(i / DISTRICTS.length) % levels.length]!;
    const commune = district.communes[Math.floor(i / DISTRICTS.length) % district.communes.length]!;
    const name = level === 'thpt' ? `số ${Math.floor(i / DISTRICTS.length) + 1} ${district.name.replace(/^(Huyện|Thị xã|Thành phố) /, '')}` : commune;
    add(makeSchool(rng, seq++, level, district, name));
    if (i === 20) add(makeSchool(rng, seq++, 'gdtx', null, 'tỉnh Lào Cai'));
  }
  const rate = o.faultRate ?? 1;
  return parseScenario({
    seed,
    intervalS: o.intervalS ?? 10,
    qos: 1,
    faults: {
      offlinePerHour: 0.05 * rate, batteryDrainPerHour: 0.02 * rate, overheatPerHour: 0.02 * rate, badReadingPerHour: 0.05 * rate,
      dyingBatteryPerHour: 0.005 * rate, flappingWifiPerHour: 0.005 * rate, stuckSensorPerHour: 0.005 * rate, clockSkewPerHour: 0.005 * rate,
      silentPerHour: 0.005 * rate, errorBurstPerHour: 0.01 * rate,
    },
    districts: DISTRICTS.map(({ code, name }) => ({ code, name })),
    schools,
  }, 'generated province');
}
