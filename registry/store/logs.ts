/** The maintenance log of each device and the audit log of who changed what. */
import { device } from './devices.js';
import { notFound, type Ctx } from './context.js';

export interface AuditFilter { entity?: string; entityId?: string; byUser?: string; limit?: number; offset?: number }
export interface AuditRow { at: number; byUser: string; action: string; entity: string; entityId: string; detail: unknown }

export async function addMaintenance(c: Ctx, deviceId: string, byUser: string, text: string, at = Date.now()): Promise<void> {
  if (!(await device(c, deviceId))) throw notFound(`no device '${deviceId}'`);
  await c.db.insertInto('maintenance_log').values({ device_id: deviceId, at, by_user: byUser, text }).execute();
}

export async function maintenance(c: Ctx, deviceId: string): Promise<{ at: number; byUser: string; text: string }[]> {
  return c.db.selectFrom('maintenance_log').select(['at', 'by_user as byUser', 'text']).where('device_id', '=', deviceId).orderBy('at', 'desc').execute();
}

/** Records who changed what; admins read it. */
export async function audit(c: Ctx, byUser: string, action: string, entity: string, entityId: string | number, detail: object = {}): Promise<void> {
  await c.db.insertInto('audit_log').values({ at: Date.now(), by_user: byUser, action, entity, entity_id: String(entityId), detail: JSON.stringify(detail) }).execute();
}

export async function auditLog(c: Ctx, f: AuditFilter = {}): Promise<{ total: number; entries: AuditRow[] }> {
  let q = c.db.selectFrom('audit_log');
  if (f.entity) q = q.where('entity', '=', f.entity);
  if (f.entityId) q = q.where('entity_id', '=', f.entityId);
  if (f.byUser) q = q.where('by_user', '=', f.byUser);
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await q.select(['at', 'by_user as byUser', 'action', 'entity', 'entity_id as entityId', 'detail'])
    .orderBy('id', 'desc').limit(f.limit ?? 200).offset(f.offset ?? 0).execute();
  return { total: Number(total.n), entries: rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as unknown })) };
}
