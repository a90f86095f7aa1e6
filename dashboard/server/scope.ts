import { EdufleetError } from '../../lib/errors.js';
import type { Role, Scope, User } from '../../registry/index.js';
import type { Permissions } from '../../api/index.js';

/**
 * What a user may see and do: the ONE place every route and every Socket.IO room join asks.
 *
 * Seeing: admins, and users whose scope names no district and no school, see the whole province. Otherwise a user
 * sees a school when its district is in `districtIds` OR the school is in `schoolIds`: the same rule `inScope`
 * applies in the registry's queries, so a list and a single-record check never disagree.
 *
 * Doing: `can(user, action, place)` looks the role up in ACTIONS, then checks the place against the scope. A
 * non-admin whose scope is empty reads the province but may change no device or record: an empty scope is an
 * unfinished account, not a province-wide grant over the fleet.
 */
export function userScope(user: User): Scope | undefined {
  if (user.role === 'admin') return undefined;
  const districtIds = user.scope.districtIds ?? [];
  const schoolIds = user.scope.schoolIds ?? [];
  if (!districtIds.length && !schoolIds.length) return undefined;
  return { districtIds, schoolIds };
}

/** Where something sits, as far as scope is concerned. */
export interface ScopedPlace { schoolId: number; districtId: number | null }

/** Whether `user` may see anything placed in this school (a device, a room, the school itself). */
export function maySee(user: User, place: ScopedPlace): boolean {
  const scope = userScope(user);
  if (!scope) return true;
  if (place.districtId !== null && scope.districtIds?.includes(place.districtId)) return true;
  return scope.schoolIds?.includes(place.schoolId) ?? false;
}

/** Why a reading was refused is for the people who fix devices; planners and viewers see only that it happened. */
export function maySeeRejectionReasons(user: User): boolean {
  return can(user, 'records.write');
}

/** Every action that is not plain reading within scope, with the roles that may take it. */
export const ACTIONS = {
  /** Edit device records and the maintenance log, create and edit sites and rooms, import a register. */
  'records.write': ['admin', 'technician'],
  /** Issue, rotate and revoke MQTT credentials; print labels. */
  'devices.provision': ['admin', 'technician'],
  /** Create, edit, move and retire districts and schools: the Sở's own list. */
  'schools.write': ['admin'],
  'users.manage': ['admin'],
  'audit.read': ['admin'],
  /** Have the monthly planning report e-mailed (for the province, or a district in scope). */
  'reports.subscribe': ['admin', 'planner'],
  /** See device health, the alert inbox and alert history (docs/alerts.md). */
  'alerts.read': ['admin', 'technician', 'viewer'],
  /** Acknowledge, resolve and silence alerts. */
  'alerts.act': ['admin', 'technician'],
  /** Change alert rules (an admin for the province, a technician for the schools in scope) and who is notified. */
  'alerts.configure': ['admin', 'technician'],
  /** Send remote commands to devices and cancel them (docs/commands.md). */
  'commands.send': ['admin', 'technician'],
  /** See the edge nodes (docs/edge.md): planners for their province or district, technicians for their own schools. */
  'edges.read': ['admin', 'planner', 'technician'],
  /** Import an edge's export file (the sneakernet up, docs/edge.md): it writes readings for a whole site, so the Sở's admins. */
  'edges.import': ['admin'],
  /** Register edge nodes with their public keys (the province's trust in a school's machine). */
  'edges.manage': ['admin'],
  /** Create, list and revoke API tokens (docs/security.md, "API tokens"): never with a token (security/api-tokens.ts). */
  'tokens.manage': ['admin'],
  /** Pull the monthly feed of room use, coverage and the records KPI (docs/integration.md, "Monthly feed"): within scope. */
  'feed.read': ['admin', 'planner'],
  /** Create, list and revoke integration accounts (MQTT clients that are not devices): never with a token (security/api-tokens.ts). */
  'integrations.manage': ['admin'],
  /**
   * Read the operations-centre wall (GET /api/wall, within scope): a wall token (made with the planner role; it may do
   * nothing else, security/api-tokens.ts), and admins and planners with a session, to preview it.
   */
  'wall.read': ['admin', 'planner'],
} as const satisfies Record<string, readonly Role[]>;
export type Action = keyof typeof ACTIONS;

/**
 * Actions on a school's fleet: a non-admin needs schools or districts assigned to take them. (A planner whose scope
 * is empty is the province planner; a technician whose scope is empty is an account nobody finished.)
 */
const FLEET_ACTIONS: ReadonlySet<Action> = new Set(['records.write', 'devices.provision', 'alerts.act', 'alerts.configure', 'commands.send']);

/**
 * Reads a technician takes only for the schools assigned: an edge's health is the school's technician's business, and
 * a technician with no school assigned is an unfinished account, not the province's.
 */
const OWN_SCHOOL_READS: ReadonlySet<Action> = new Set(['edges.read']);

/**
 * Whether `user` may take `action` on something in `place` (or at all, without a place). A non-admin needs a
 * non-empty scope for the fleet actions.
 */
export function can(user: User, action: Action, place?: ScopedPlace): boolean {
  if (!(ACTIONS[action] as readonly Role[]).includes(user.role)) return false;
  if (user.role === 'admin') return true;
  if (FLEET_ACTIONS.has(action) && !userScope(user)) return false;
  if (OWN_SCHOOL_READS.has(action) && user.role === 'technician' && !userScope(user)) return false;
  return place ? maySee(user, place) : true;
}

/** `can`, or a 403 that says why. */
export function authorize(user: User, action: Action, place?: ScopedPlace): void {
  if (can(user, action, place)) return;
  const roleMay = (ACTIONS[action] as readonly Role[]).includes(user.role);
  throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', !roleMay
    ? `the ${user.role} role may not do this (${action})`
    : FLEET_ACTIONS.has(action) && !userScope(user) && user.role !== 'admin'
      ? `your account has no schools or districts assigned, so it may not change anything (${action}); ask an admin`
      : OWN_SCHOOL_READS.has(action) && !userScope(user)
        ? `your account has no schools assigned, so it sees no school's ${action.split('.')[0]} (${action}); ask an admin`
        : `this belongs to a school outside your scope (${action})`);
}

/** A place that exists (404) and that the user may see (403, with no data). */
export function requireVisible<T extends ScopedPlace>(user: User, place: T | undefined, what: string): T {
  if (!place) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `no ${what}`);
  if (!maySee(user, place)) throw new EdufleetError('EDUFLEET_ERR_AUTH_FORBIDDEN', `${what} belongs to a school outside your scope`);
  return place;
}

/** What the web app may offer this user (the server still checks every request). */
export function permissionsOf(user: User): Permissions {
  return {
    editRecords: can(user, 'records.write'),
    provision: can(user, 'devices.provision'),
    editSchools: can(user, 'schools.write'),
    manageUsers: can(user, 'users.manage'),
    readAudit: can(user, 'audit.read'),
    readAlerts: can(user, 'alerts.read'),
    actOnAlerts: can(user, 'alerts.act'),
    configureAlerts: can(user, 'alerts.configure'),
    sendCommands: can(user, 'commands.send'),
    readEdges: can(user, 'edges.read'),
    importEdges: can(user, 'edges.import'),
    manageEdges: can(user, 'edges.manage'),
    manageTokens: can(user, 'tokens.manage'),
    manageIntegrations: can(user, 'integrations.manage'),
  };
}
