import type { SqliteRegistry } from '../../registry/index.js';

export interface RoomPlace {
  roomId: number;
  roomName: string;
  siteId: number;
  siteName: string;
  schoolId: number;
  schoolName: string;
  districtId: number | null;
  districtName: string | null;
}

/**
 * Names of where devices sit, for a page of devices at a time (one query per page, never one per device).
 * The registry has no such join; it lives here, read-only, on the registry's connection.
 */
export function roomPlaces(registry: SqliteRegistry, roomIds: Iterable<number>): Map<number, RoomPlace> {
  const ids = [...new Set(roomIds)];
  const out = new Map<number, RoomPlace>();
  if (!ids.length) return out;
  const rows = registry.db.prepare(`SELECT r.id AS roomId, r.name AS roomName, t.id AS siteId, t.name AS siteName,
      s.id AS schoolId, s.name AS schoolName, s.district_id AS districtId, d.name AS districtName
    FROM rooms r JOIN sites t ON t.id = r.site_id JOIN schools s ON s.id = t.school_id LEFT JOIN districts d ON d.id = s.district_id
    WHERE r.id IN (${ids.map(() => '?').join(',')})`).all(...ids) as RoomPlace[];
  for (const r of rows) out.set(r.roomId, r);
  return out;
}
