/** Takes a snapshot of the registry for the plan, and applies a plan in one SQLite transaction. */
import path from 'node:path';
import type { DeviceKind } from '../../protocol/index.js';
import type { SqliteRegistry } from '../sqlite-registry.js';
import type { RoomType } from '../types.js';
import { planImport, roomKey, siteKey, type ImportPlan, type RegistrySnapshot, type SnapshotDevice } from './plan.js';
import { readSheetFile } from '../../lib/sheets/index.js';
import { slugId } from './values.js';
import { localDate } from '../../timetable/index.js';

/** `now` is the import's clock: in-service dates after today (in Vietnam) are refused. */
export function snapshotRegistry(reg: SqliteRegistry, now = Date.now()): RegistrySnapshot {
  const schools = new Map<string, { id: number; name: string }>();
  for (const s of reg.db.prepare('SELECT id, code, name FROM schools').all() as { id: number; code: string; name: string }[]) schools.set(s.code, { id: s.id, name: s.name });
  const sites = new Map<string, { id: number; name: string }>();
  for (const s of reg.db.prepare('SELECT id, school_id AS schoolId, name FROM sites').all() as { id: number; schoolId: number; name: string }[]) {
    const k = `${s.schoolId}|${siteKey(s.name)}`;
    if (!sites.has(k)) sites.set(k, { id: s.id, name: s.name });
  }
  const rooms = new Map<string, { id: number; code: string; type: RoomType }>();
  for (const r of reg.db.prepare('SELECT id, site_id AS siteId, code, type FROM rooms').all() as { id: number; siteId: number; code: string; type: RoomType }[]) {
    const k = `${r.siteId}|${roomKey(r.code)}`;
    if (!rooms.has(k)) rooms.set(k, { id: r.id, code: r.code, type: r.type });
  }
  const devices = new Map<string, SnapshotDevice>();
  const rows = reg.db.prepare(`SELECT d.id, d.kind, d.room_id AS roomId, t.school_id AS schoolId, d.name, d.manufacturer, d.model, d.serial, d.in_service_date AS inServiceDate,
      d.cost_vnd AS costVnd, d.warranty_end AS warrantyEnd, d.service_life_years AS serviceLifeYears, COALESCE(d.code, d.id) AS code
      FROM devices d JOIN rooms r ON r.id = d.room_id JOIN sites t ON t.id = r.site_id`).all() as (SnapshotDevice & { code: string; kind: DeviceKind })[];
  for (const { code, ...d } of rows) devices.set(code, d);
  return { schools, sites, rooms, devices, today: localDate(now) };
}

export interface ImportOptions {
  /** Who imports (for the audit log). */
  user?: string;
  /** Only compute the plan. */
  dryRun?: boolean;
  /** Apply the valid rows even when some rows are refused. */
  applyValid?: boolean;
  /** The import's clock (default: the system clock); in-service dates after its day are refused. */
  now?: number;
  /** Rows processed so far (planning, then applying). */
  onProgress?: (p: { phase: 'plan' | 'apply'; done: number; total: number }) => void;
}

export interface ImportResult {
  file: string;
  plan: ImportPlan;
  applied: boolean;
  /** Why nothing was applied, when it was not. */
  notAppliedReason?: string;
  /** Device ids created (by code). */
  created: Record<string, string>;
}

/**
 * Applies a plan: sites, rooms, new devices (records without MQTT credentials) and updates, all in one transaction
 * (all or nothing), then one audit entry.
 */
export async function applyPlan(reg: SqliteRegistry, plan: ImportPlan, opts: { user?: string; file?: string; onProgress?: ImportOptions['onProgress'] } = {}): Promise<Record<string, string>> {
  const created: Record<string, string> = {};
  const todo = plan.rows.filter((r) => r.action !== 'unchanged');
  const schoolIds = new Map<string, number>();
  const usedIds = new Set<string>();
  reg.db.exec('BEGIN IMMEDIATE');
  try {
    const roomId = (p: (typeof plan.rows)[number]['place']): number => {
      schoolIds.set(p.schoolCode, p.schoolId);
      const site = reg.ensureSite({ schoolId: p.schoolId, name: p.site });
      const existing = reg.db.prepare('SELECT id FROM rooms WHERE site_id = ? AND code = ?').get(site.id, p.room) as { id: number } | undefined;
      return existing?.id ?? reg.ensureRoom({ siteId: site.id, code: p.room, name: p.room, type: p.roomType }).id;
    };
    // Sites and rooms of the plan are created even when their rows are all unchanged (they cannot be: a new room means a change).
    let done = 0;
    for (const r of todo) {
      const rid = roomId(r.place);
      if (r.action === 'create') {
        const base = slugId(r.code);
        let id = base;
        for (let n = 2; usedIds.has(id) || reg.device(id); n++) id = `${base.slice(0, 60)}-${n}`;
        usedIds.add(id);
        await reg.addDevice({ kind: r.kind, roomId: rid, id, code: r.code, ...r.record, issueSecret: false });
        created[r.code] = id;
      } else {
        const patch: Parameters<SqliteRegistry['updateDevice']>[1] = {};
        for (const k of r.changes) {
          if (k === 'room') patch.roomId = rid;
          else (patch as Record<string, unknown>)[k] = r.record[k as keyof typeof r.record];
        }
        reg.updateDevice(r.deviceId!, patch);
      }
      if (++done % 100 === 0) opts.onProgress?.({ phase: 'apply', done, total: todo.length });
    }
    reg.audit(opts.user ?? 'cli', 'registry.import', 'import', opts.file ?? '-', {
      file: opts.file, ...plan.counts, newSites: plan.newSites.length, newRooms: plan.newRooms.length,
      refusedLines: plan.refused.map((r) => r.line),
    });
    reg.db.exec('COMMIT');
  } catch (err) {
    if (reg.db.inTransaction) reg.db.exec('ROLLBACK');
    throw err;
  }
  opts.onProgress?.({ phase: 'apply', done: todo.length, total: todo.length });
  return created;
}

/** Reads, plans and (unless a dry run, or rows were refused without `applyValid`) applies an import file. */
export async function importFile(reg: SqliteRegistry, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const sheet = await readSheetFile(file);
  const plan = planImport(sheet, snapshotRegistry(reg, opts.now), (done, total) => opts.onProgress?.({ phase: 'plan', done, total }));
  const result: ImportResult = { file: path.basename(file), plan, applied: false, created: {} };
  if (opts.dryRun) { result.notAppliedReason = 'dry run'; return result; }
  if (plan.refused.length && !opts.applyValid) {
    result.notAppliedReason = `${plan.refused.length} row(s) refused; fix them, or import only the valid rows explicitly (--apply-valid)`;
    return result;
  }
  result.created = await applyPlan(reg, plan, { user: opts.user, file: path.basename(file), onProgress: opts.onProgress });
  result.applied = true;
  return result;
}
