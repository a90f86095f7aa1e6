import type { DevicePlacement } from '../registry/index.js';

/** The tags every point of a device carries: bounded identifiers only (docs/data-model.md). */
export function placementTags(p: DevicePlacement): Record<string, string> {
  const tags: Record<string, string> = {
    device: p.id, kind: p.kind, room: String(p.roomId), site: String(p.siteId), school: String(p.schoolId),
  };
  // Schools under the Sở directly (THPT, GDTX) have no district: tag them 'so' so GROUP BY district keeps them.
  tags.district = p.districtId === null ? 'so' : String(p.districtId);
  return tags;
}

export const telemetryMeasurement = (kind: string) => `telemetry_${kind}`;
