/** Takes a snapshot of the hierarchy for the places plan, and applies a plan all or nothing. */
import path from 'node:path';
import { readSheetFile } from '../../lib/sheets/index.js';
import type { RegistryStore } from '../store/index.js';
import type { PlacesPlan, PlacesSnapshot } from './places-plan.js';
import { planPlaces } from './places-plan.js';
import { countNoun } from '../../lib/vn/format.js';

/** Every district, school and site, retired ones included (a list naming one is refused, not silently revived). */
export async function snapshotPlaces(reg: RegistryStore): Promise<PlacesSnapshot> {
  const tree = await reg.places.tree(undefined, true);
  const sites = new Map<number, { id: number; name: string; retired: boolean }[]>();
  for (const t of tree.sites) {
    const list = sites.get(t.schoolId) ?? [];
    list.push({ id: t.id, name: t.name, retired: t.retired });
    sites.set(t.schoolId, list);
  }
  return {
    districts: tree.districts.map((d) => ({ id: d.id, code: d.code, name: d.name, retired: d.retired })),
    schools: new Map(tree.schools.map((s) => [s.code, { id: s.id, name: s.name, level: s.level, districtId: s.districtId, pupils: s.pupils, retired: s.retired }])),
    sites,
  };
}

export interface PlacesImportOptions {
  /** Who imports (for the audit log). */
  user?: string;
  dryRun?: boolean;
  /** Apply the valid rows even when some rows are refused. */
  applyValid?: boolean;
  onProgress?: (p: { phase: 'plan' | 'apply'; done: number; total: number }) => void;
}

export interface PlacesImportResult {
  file: string;
  plan: PlacesPlan;
  applied: boolean;
  notAppliedReason?: string;
}

/** Whether applying the plan would change anything. */
export function placesPlanChanges(plan: PlacesPlan): number {
  return plan.counts.create + plan.counts.update + plan.counts.newSites;
}

/**
 * Applies a plan: districts, then schools (a changed district moves the school and re-tags its devices), then
 * sites, then one audit entry; all in one transaction.
 */
export async function applyPlacesPlan(reg: RegistryStore, plan: PlacesPlan, opts: { user?: string; file?: string; onProgress?: PlacesImportOptions['onProgress'] } = {}): Promise<void> {
  const total = placesPlanChanges(plan);
  let done = 0;
  const step = () => { if (++done % 100 === 0) opts.onProgress?.({ phase: 'apply', done, total }); };
  await reg.transaction(async (tx) => {
    const districtIds = new Map((await tx.places.tree(undefined, true)).districts.map((d) => [d.code, d.id]));
    for (const d of plan.districts) {
      if (d.action === 'create') districtIds.set(d.code, (await tx.ensureDistrict({ code: d.code, name: d.name })).id);
      else if (d.action === 'update') await tx.places.update('district', d.id!, { name: d.name });
      if (d.action !== 'unchanged') step();
    }
    const schoolIds = new Map<string, number>();
    for (const s of plan.schools) {
      const districtId = s.district === undefined ? undefined : s.district === null ? null : districtIds.get(s.district)!;
      if (s.action === 'create') {
        schoolIds.set(s.code, (await tx.ensureSchool({ code: s.code, name: s.name, level: s.level!, districtId: districtId ?? null, pupils: s.pupils })).id);
      } else {
        schoolIds.set(s.code, s.id!);
        if (s.action === 'update') {
          const patch: Record<string, unknown> = { name: s.name, level: s.level, pupils: s.pupils };
          if (s.changes.includes('district')) patch.districtId = districtId;
          await tx.places.update('school', s.id!, patch);
        }
      }
      if (s.action !== 'unchanged') step();
    }
    for (const t of plan.newSites) {
      await tx.ensureSite({ schoolId: schoolIds.get(t.schoolCode)!, name: t.name });
      step();
    }
    await tx.audit(opts.user ?? 'cli', 'places.import', 'import', opts.file ?? '-', {
      file: opts.file, ...plan.counts, refusedLines: plan.refused.map((r) => r.line),
    });
  });
  opts.onProgress?.({ phase: 'apply', done: total, total });
}

/** Reads, plans and (unless a dry run, or rows were refused without `applyValid`) applies a list of places. */
export async function importPlacesFile(reg: RegistryStore, file: string, opts: PlacesImportOptions = {}): Promise<PlacesImportResult> {
  const sheet = await readSheetFile(file);
  const plan = planPlaces(sheet, await snapshotPlaces(reg), (done, total) => opts.onProgress?.({ phase: 'plan', done, total }));
  const result: PlacesImportResult = { file: path.basename(file), plan, applied: false };
  if (opts.dryRun) { result.notAppliedReason = 'dry run'; return result; }
  if (plan.refused.length && !opts.applyValid) {
    result.notAppliedReason = `${countNoun(plan.refused.length, 'row')} refused; fix them, or import only the valid rows explicitly (--apply-valid)`;
    return result;
  }
  if (placesPlanChanges(plan)) await applyPlacesPlan(reg, plan, { user: opts.user, file: path.basename(file), onProgress: opts.onProgress });
  result.applied = true;
  return result;
}
