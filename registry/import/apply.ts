/** Takes a snapshot of the registry for the plan, and applies a plan in one transaction of the registry. */
import path from 'node:path';
import type { RegistryStore } from '../store/index.js';
import type { RoomType } from '../types.js';
import { planImport, roomKey, siteKey, type ImportPlan, type RegistrySnapshot, type SnapshotDevice } from './plan.js';
import { readSheetFile } from '../../lib/sheets/index.js';
import { slugId } from './values.js';
import { localDate } from '../../timetable/index.js';
import { countNoun } from '../../lib/vn/format.js';

/** `now` is the import's clock: in-service dates after today (in Vietnam) are refused. */
export async function snapshotRegistry(reg: RegistryStore, now = Date.now()): Promise<RegistrySnapshot> {
  const snap = await reg.importSnapshot();
  const schools = new Map<string, { id: number; name: string }>();
  for (const s of snap.schools) schools.set(s.code, { id: s.id, name: s.name });
  const sites = new Map<string, { id: number; name: string }>();
  for (const s of snap.sites) {
    const k = `${s.schoolId}|${siteKey(s.name)}`;
    if (!sites.has(k)) sites.set(k, { id: s.id, name: s.name });
  }
  const rooms = new Map<string, { id: number; code: string; type: RoomType }>();
  for (const r of snap.rooms) {
    const k = `${r.siteId}|${roomKey(r.code)}`;
    if (!rooms.has(k)) rooms.set(k, { id: r.id, code: r.code, type: r.type });
  }
  const devices = new Map<string, SnapshotDevice>();
  for (const { code, ...d } of snap.devices) devices.set(code, d);
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
export async function applyPlan(reg: RegistryStore, plan: ImportPlan, opts: { user?: string; file?: string; onProgress?: ImportOptions['onProgress'] } = {}): Promise<Record<string, string>> {
  const todo = plan.rows.filter((r) => r.action !== 'unchanged');
  const created = await reg.transaction(async (tx) => {
    const made: Record<string, string> = {};
    const usedIds = new Set<string>();
    const roomId = async (p: (typeof plan.rows)[number]['place']): Promise<number> => {
      const site = await tx.ensureSite({ schoolId: p.schoolId, name: p.site });
      const existing = await tx.roomAt(site.id, p.room);
      return existing?.id ?? (await tx.ensureRoom({ siteId: site.id, code: p.room, name: p.room, type: p.roomType })).id;
    };
    // Sites and rooms of the plan are created even when their rows are all unchanged (they cannot be: a new room means a change).
    let done = 0;
    for (const r of todo) {
      const rid = await roomId(r.place);
      if (r.action === 'create') {
        const base = slugId(r.code);
        let id = base;
        for (let n = 2; usedIds.has(id) || (await tx.device(id)); n++) id = `${base.slice(0, 60)}-${n}`;
        usedIds.add(id);
        await tx.addDevice({ kind: r.kind, roomId: rid, id, code: r.code, ...r.record, issueSecret: false });
        made[r.code] = id;
      } else {
        const patch: Parameters<RegistryStore['updateDevice']>[1] = {};
        for (const k of r.changes) {
          if (k === 'room') patch.roomId = rid;
          else (patch as Record<string, unknown>)[k] = r.record[k as keyof typeof r.record];
        }
        await tx.updateDevice(r.deviceId!, patch);
      }
      if (++done % 100 === 0) opts.onProgress?.({ phase: 'apply', done, total: todo.length });
    }
    await tx.audit(opts.user ?? 'cli', 'registry.import', 'import', opts.file ?? '-', {
      file: opts.file, ...plan.counts, newSites: plan.newSites.length, newRooms: plan.newRooms.length,
      refusedLines: plan.refused.map((r) => r.line),
    });
    return made;
  });
  opts.onProgress?.({ phase: 'apply', done: todo.length, total: todo.length });
  return created;
}

/** Reads, plans and (unless a dry run, or rows were refused without `applyValid`) applies an import file. */
export async function importFile(reg: RegistryStore, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const sheet = await readSheetFile(file);
  const plan = planImport(sheet, await snapshotRegistry(reg, opts.now), (done, total) => opts.onProgress?.({ phase: 'plan', done, total }));
  const result: ImportResult = { file: path.basename(file), plan, applied: false, created: {} };
  if (opts.dryRun) { result.notAppliedReason = 'dry run'; return result; }
  if (plan.refused.length && !opts.applyValid) {
    result.notAppliedReason = `${countNoun(plan.refused.length, 'row')} refused; fix them, or import only the valid rows explicitly (--apply-valid)`;
    return result;
  }
  result.created = await applyPlan(reg, plan, { user: opts.user, file: path.basename(file), onProgress: opts.onProgress });
  result.applied = true;
  return result;
}
