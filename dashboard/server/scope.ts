import type { Scope, User } from '../../registry/index.js';

/**
 * What a user may see: the ONE rule every route and every Socket.IO room join goes through.
 *
 * Admins, and users whose scope names no district and no school, see the whole province. Otherwise a user sees a
 * school when its district is in `districtIds` OR the school is in `schoolIds`: the same rule `scopeSql` applies
 * in the registry's queries, so a list and a single-record check never disagree.
 */
export function userScope(user: User): Scope | undefined {
  if (user.role === 'admin') return undefined;
  const districtIds = user.scope.districtIds ?? [];
  const schoolIds = user.scope.schoolIds ?? [];
  if (!districtIds.length && !schoolIds.length) return undefined;
  return { districtIds, schoolIds };
}

/** Whether `user` may see anything placed in this school (a device, a room, the school itself). */
export function maySee(user: User, place: { schoolId: number; districtId: number | null }): boolean {
  const scope = userScope(user);
  if (!scope) return true;
  if (place.districtId !== null && scope.districtIds?.includes(place.districtId)) return true;
  return scope.schoolIds?.includes(place.schoolId) ?? false;
}

/** Why a reading was refused is for the people who fix devices; planners and viewers see only that it happened. */
export function maySeeRejectionReasons(user: User): boolean {
  return user.role === 'admin' || user.role === 'technician';
}
