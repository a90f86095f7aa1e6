import type { DevicePlacement } from '../registry/index.js';

const cache = new WeakMap<DevicePlacement, Readonly<Record<string, string>>>();

/**
 * The tags every point of a device carries: bounded identifiers only (docs/data-model.md). Cached per placement
 * object (the directory replaces the object when the device moves), as this runs for every reading.
 */
export function placementTags(p: DevicePlacement): Readonly<Record<string, string>> {
  let tags = cache.get(p);
  if (!tags) {
    tags = buildTags(p);
    cache.set(p, tags);
  }
  return tags;
}

function buildTags(p: DevicePlacement): Record<string, string> {
  const tags: Record<string, string> = {
    device: p.id, kind: p.kind, room: String(p.roomId), site: String(p.siteId), school: String(p.schoolId),
  };
  // Schools under the Sở directly (THPT, GDTX) have no district: tag them 'so' so GROUP BY district keeps them.
  tags.district = p.districtId === null ? 'so' : String(p.districtId);
  return tags;
}

