/**
 * Alerts written straight into the registry's tables, as the engine would leave them, so the inbox can be tested
 * without running the engine (test-only: it reaches the store's Kysely handle).
 */
import type { AlertState, RuleId, Severity } from '../../domain/index.js';
import type { RegistryStore } from '../../registry/index.js';
import type { Ctx } from '../../registry/store/context.js';

export interface SeedAlert {
  rule?: RuleId; deviceId: string; schoolId: number; roomId: number; severity?: Severity; state?: AlertState;
  value?: number | null; field?: string | null; startedAt?: number; updatedAt?: number;
}

/** Inserts one alert with its opening history row; returns its id. */
export async function insertAlert(registry: RegistryStore, a: SeedAlert): Promise<number> {
  const { db } = (registry as unknown as { c: Ctx }).c;
  const started = a.startedAt ?? Date.now();
  const state = a.state ?? 'firing';
  const r = await db.insertInto('alerts').values({
    rule: a.rule ?? 'board_overheat', device_id: a.deviceId, school_id: a.schoolId, room_id: a.roomId, severity: a.severity ?? 'critical',
    state, value: a.value ?? null, field: a.field ?? null, started_at: started, fired_at: state === 'pending' ? null : started,
    clear_since: null, acked_at: null, acked_by: null, ack_comment: null, resolved_at: state === 'resolved' ? started : null,
    resolved_by: null, resolve_reason: null, last_notified_at: null, updated_at: a.updatedAt ?? started,
  }).returning('id').executeTakeFirstOrThrow();
  await db.insertInto('alert_history').values({ alert_id: Number(r.id), at: started, state, by_user: null, comment: null }).execute();
  return Number(r.id);
}

/** Many alerts in one statement (a burst). */
export async function insertAlerts(registry: RegistryStore, list: SeedAlert[]): Promise<void> {
  const { db } = (registry as unknown as { c: Ctx }).c;
  for (let i = 0; i < list.length; i += 200) {
    await db.insertInto('alerts').values(list.slice(i, i + 200).map((a) => ({
      rule: a.rule ?? 'no_data', device_id: a.deviceId, school_id: a.schoolId, room_id: a.roomId, severity: a.severity ?? 'warning',
      state: a.state ?? 'firing', value: a.value ?? null, field: a.field ?? null, started_at: a.startedAt ?? Date.now(), fired_at: a.startedAt ?? Date.now(),
      clear_since: null, acked_at: null, acked_by: null, ack_comment: null, resolved_at: null, resolved_by: null, resolve_reason: null,
      last_notified_at: null, updated_at: a.updatedAt ?? Date.now(),
    }))).execute();
  }
}
