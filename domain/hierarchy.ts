/**
 * The vocabulary of the hierarchy (Sở → Phòng → Trường → Điểm trường → Phòng) and of users, shared by every layer:
 * the registry stores it, the API carries it, the web app shows it. Pure types and constants, safe in a browser.
 */
export const SCHOOL_LEVELS = ['mam_non', 'tieu_hoc', 'thcs', 'thpt', 'gdtx'] as const;
export type SchoolLevel = (typeof SCHOOL_LEVELS)[number];

export const ROOM_TYPES = ['classroom', 'smart_classroom', 'computer_room', 'lab', 'stem_room', 'vr_room', 'meeting_room', 'studio'] as const;
export type RoomType = (typeof ROOM_TYPES)[number];
/** The names schools give each room type, as equipment registers and reports write them. */
export const ROOM_TYPE_LABELS: Record<RoomType, string> = {
  classroom: 'Phòng học', smart_classroom: 'Phòng học thông minh', computer_room: 'Phòng Tin học', lab: 'Phòng thí nghiệm',
  stem_room: 'Phòng STEM', vr_room: 'Phòng thực tế ảo', meeting_room: 'Phòng họp trực tuyến', studio: 'Phòng ghi hình',
};

export const ROLES = ['admin', 'planner', 'technician', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** The state of a device's asset record (not its connection). */
export const DEVICE_STATES = ['in_use', 'in_repair', 'retired'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

/** What a user may see: everything (province), some districts, or some schools. */
export interface Scope { districtIds?: number[]; schoolIds?: number[] }
