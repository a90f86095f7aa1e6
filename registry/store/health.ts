/**
 * The shared live state of devices (docs/alerts.md): the signals gateways record, and the health verdict the alert
 * engine writes beside them. Every process reads the same rows, so a dashboard on another machine sees what a
 * gateway here observed.
 */
import type { DeviceSignals, HealthLevel, HealthReason } from '../../domain/index.js';
import type { Ctx } from './context.js';

export interface HealthRow {
  deviceId: string;
  signals: DeviceSignals;
  level: HealthLevel;
  reasons: HealthReason[];
  /** When the signals were last written (ms). */
  updatedAt: number;
  /** When the verdict was last written (ms). */
  judgedAt: number;
}

const BATCH = 500;

/** Writes the signals of many devices (one statement per batch); the latest write of a device wins. */
export async function recordSignals(c: Ctx, rows: { deviceId: string; signals: DeviceSignals }[], at: number): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const values = rows.slice(i, i + BATCH).map((r) => ({
      device_id: r.deviceId, signals: JSON.stringify(r.signals), updated_at: at, presence: r.signals.presence, presence_since: r.signals.presenceSince,
    }));
    await c.db.insertInto('device_health').values(values)
      .onConflict((oc) => oc.column('device_id').doUpdateSet((eb) => ({
        signals: eb.ref('excluded.signals'), updated_at: eb.ref('excluded.updated_at'), presence: eb.ref('excluded.presence'), presence_since: eb.ref('excluded.presence_since'),
      })))
      .execute();
  }
}

/** Writes the health verdicts of many devices (devices without signals yet get a row too). */
export async function recordVerdicts(c: Ctx, rows: { deviceId: string; level: HealthLevel; reasons: HealthReason[] }[], at: number): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    const values = rows.slice(i, i + BATCH).map((r) => ({
      device_id: r.deviceId, signals: '{}', level: r.level, reasons: JSON.stringify(r.reasons), updated_at: 0, judged_at: at,
    }));
    await c.db.insertInto('device_health').values(values)
      .onConflict((oc) => oc.column('device_id').doUpdateSet((eb) => ({ level: eb.ref('excluded.level'), reasons: eb.ref('excluded.reasons'), judged_at: eb.ref('excluded.judged_at') })))
      .execute();
  }
}

/** Health rows: of the given devices, or of those whose signals changed after `since` (all when neither is set). */
export async function healthRows(c: Ctx, f: { deviceIds?: readonly string[]; updatedAfter?: number } = {}): Promise<HealthRow[]> {
  let q = c.db.selectFrom('device_health').selectAll();
  if (f.deviceIds) {
    if (!f.deviceIds.length) return [];
    q = q.where('device_id', 'in', [...f.deviceIds]);
  }
  if (f.updatedAfter !== undefined) q = q.where('updated_at', '>', f.updatedAfter);
  const rows = await q.execute();
  return rows.map((r) => ({
    deviceId: r.device_id,
    signals: r.signals === '{}' ? emptyOrParsed(r.signals) : (JSON.parse(r.signals) as DeviceSignals),
    level: r.level as HealthLevel,
    reasons: JSON.parse(r.reasons) as HealthReason[],
    updatedAt: Number(r.updated_at),
    judgedAt: Number(r.judged_at),
  }));
}

function emptyOrParsed(s: string): DeviceSignals {
  return { ...(JSON.parse(s) as object), presence: 'never', lastSeen: null, lastReadingAt: null, latest: {}, changedAt: {}, skewMs: null,
    intervalMs: null, errors: [], rejected: [], reconnects: [], lastRejection: null, presenceSince: null };
}
