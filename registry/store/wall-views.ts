/**
 * The operations-centre wall's counts (dashboard/server/wall.ts; docs/integration.md, "The operations-centre wall"):
 * GROUP BY queries over the registry's shared state, one row per district and value, so their cost follows the
 * number of devices and open alerts, never the readings. The wall asks every few seconds.
 */
import { sql } from 'kysely';
import type { Presence, Severity } from '../../domain/index.js';
import type { Scope } from '../types.js';
import { inScope, type Ctx } from './context.js';

export interface WallPlaceRow { districtId: number | null; name: string | null }
export interface WallPresenceRow { districtId: number | null; presence: Presence; n: number }
export interface WallAlertRow { districtId: number | null; severity: Severity; n: number }

const id = (v: number | string | null): number | null => (v === null ? null : Number(v));

export class WallViewStore {
  constructor(private readonly c: Ctx) {}

  /** The districts with a school in scope that is not retired (`districtId` null: schools directly under the Sở). */
  async districts(scope: Scope | undefined): Promise<WallPlaceRow[]> {
    const rows = await this.c.db.selectFrom('schools as s').leftJoin('districts as di', 'di.id', 's.district_id')
      .select(['s.district_id as districtId', 'di.name as name']).where('s.retired_at', 'is', null).where(inScope(scope))
      .groupBy(['s.district_id', 'di.name']).execute();
    return rows.map((r) => ({ districtId: id(r.districtId), name: r.name ?? null }));
  }

  /**
   * Devices per district and presence, counted as the fleet-health screen's rollups count them
   * (registry/store/health-views.ts): retired devices left out, no `device_health` row meaning never seen.
   */
  async presence(scope: Scope | undefined): Promise<WallPresenceRow[]> {
    const presence = sql<Presence>`COALESCE(h.presence, 'never')`;
    const rows = await this.c.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as t', 't.id', 'r.site_id')
      .innerJoin('schools as s', 's.id', 't.school_id').leftJoin('device_health as h', 'h.device_id', 'd.id')
      .select(['s.district_id as districtId', presence.as('presence'), sql<number>`COUNT(*)`.as('n')])
      .where('d.state', '<>', 'retired').where(inScope(scope)).groupBy(['s.district_id', presence]).execute();
    return rows.map((r) => ({ districtId: id(r.districtId), presence: r.presence, n: Number(r.n) }));
  }

  /** Open alerts (not resolved: the inbox's "open") per district and severity. */
  async openAlerts(scope: Scope | undefined): Promise<WallAlertRow[]> {
    const rows = await this.c.db.selectFrom('alerts as a').innerJoin('schools as s', 's.id', 'a.school_id')
      .select(['s.district_id as districtId', 'a.severity', sql<number>`COUNT(*)`.as('n')])
      .where('a.state', '<>', 'resolved').where(inScope(scope)).groupBy(['s.district_id', 'a.severity']).execute();
    return rows.map((r) => ({ districtId: id(r.districtId), severity: r.severity as Severity, n: Number(r.n) }));
  }
}
