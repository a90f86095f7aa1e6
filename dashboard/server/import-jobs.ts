/**
 * Imports started from the web app: the uploaded file is read and planned in the background (the browser polls
 * the job and draws a progress bar), and applied only when the user confirms the preview. The plan is made again
 * at apply time against the registry as it is then, so a preview that has gone stale cannot apply stale changes.
 * Every kind of import (the equipment register, the Sở's school list) follows the same steps; a kind only says how
 * to plan, show and apply its sheet.
 */
import { EdufleetError } from '../../lib/errors.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import {
  applyPlacesPlan, applyPlan, planImport, planPlaces, placesPlanChanges, snapshotPlaces, snapshotRegistry, type ImportPlan, type PlacesPlan, type RegistrySnapshot,
} from '../../registry/import/index.js';
import { readSheetIsolated, type IsolatedLimits, type Sheet } from '../../lib/sheets/index.js';
import type { RegistryStore, User } from '../../registry/index.js';
import type { ImportJob, ImportPlanView, PlacesImportJob, PlacesPlanView } from '../../api/index.js';
import { countNoun } from '../../lib/vn/format.js';
import type { ImportSlot } from './import-admission.js';
import { can } from './scope.js';
import { UserJobs } from './user-jobs.js';

/** Rows shown in a preview; the counts and every refused row are always complete. */
export const PREVIEW_ROWS = 2000;

/** What every import job shows the browser, whatever its kind; `plan` is the kind's preview. */
export type JobView = ImportJob | PlacesImportJob;
type Progress = (done: number, total: number) => void;

/** One kind of import: how its sheet is planned (and previewed) for a user, and how a plan is applied. */
export interface ImportKind<V extends JobView, P extends { refused: readonly unknown[] }> {
  /** Plans against the registry as it is now; `view` is the preview the job shows. */
  plan(user: User, sheet: Sheet, onProgress: Progress): Promise<{ plan: P; view: NonNullable<V['plan']> }>;
  /** Applies a plan; what it returns is added to the job (the equipment import's created ids). */
  apply(user: User, plan: P, file: string, onProgress: Progress): Promise<Partial<V>>;
}

interface Job<V extends JobView> { view: V; sheet?: Sheet }

export class ImportJobs<V extends JobView, P extends { refused: readonly unknown[] }> {
  private readonly jobs = new UserJobs<Job<V>>('import');

  constructor(private readonly kind: ImportKind<V, P>, private readonly limits: IsolatedLimits) {}

  /**
   * Starts reading and planning `data`; returns at once with the job to poll. `slot`, the upload's admission
   * (import-admission.ts), is given back once the file is read and planned, or has failed.
   */
  start(user: User, file: string, data: Buffer, slot?: ImportSlot): V {
    // Every view starts with these fields only; the kind's own ones (plan, created) come later.
    const job = this.jobs.add(user, (id) => ({ view: { id, file, status: 'planning', progress: { phase: 'read', done: 0, total: data.length } } as V }));
    void this.plan(job, user, data).finally(() => slot?.release());
    return job.view;
  }

  /** The job, if it is this user's. */
  get(user: User, id: string): V {
    return this.jobs.own(user, id).view;
  }

  /** Applies a planned job: all rows, or only the valid ones when `applyValid` (refused rows otherwise stop it). */
  async apply(user: User, id: string, applyValid: boolean): Promise<V> {
    const job = this.jobs.own(user, id);
    if (job.view.status !== 'planned' || !job.sheet) {
      throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `this import is ${job.view.status}; only a previewed import can be applied`);
    }
    // Taken before planning again, so a second confirmation meanwhile is refused rather than applied twice.
    job.view.status = 'applying';
    try {
      const plan = await this.planNow(user, job, job.sheet);
      refuseUnlessValid(plan.refused.length, applyValid);
      const onProgress: Progress = (done, total) => { job.view.progress = { phase: 'apply', done, total }; };
      Object.assign(job.view, await this.kind.apply(user, plan, job.view.file, onProgress));
      job.view.status = 'applied';
      job.sheet = undefined;
    } catch (err) {
      job.view.status = 'planned';
      throw err;
    }
    return job.view;
  }

  private async plan(job: Job<V>, user: User, data: Buffer): Promise<void> {
    try {
      // In a worker with a capped heap, after the size checks: a bomb fails this job, never the dashboard.
      const sheet = await readSheetIsolated(job.view.file, data, this.limits);
      job.sheet = sheet;
      job.view.progress = { phase: 'plan', done: 0, total: sheet.rows.length };
      await this.planNow(user, job, sheet);
      job.view.status = 'planned';
    } catch (err) {
      job.view.status = 'failed';
      job.view.error = jobError(err);
    }
  }

  private async planNow(user: User, job: Job<V>, sheet: Sheet): Promise<P> {
    const { plan, view } = await this.kind.plan(user, sheet, (done, total) => { job.view.progress = { phase: 'plan', done, total }; });
    job.view.plan = view;
    return plan;
  }
}

/** The equipment register: each row is planned only within the schools this user may change. */
export function equipmentImports(registry: RegistryStore, limits: IsolatedLimits, clock: Clock = systemClock): ImportJobs<ImportJob, ImportPlan> {
  return new ImportJobs<ImportJob, ImportPlan>({
    async plan(user, sheet, onProgress) {
      const snap = await snapshotRegistry(registry, clock.now());
      const schoolDistrict = new Map((await registry.schools()).map((s) => [s.id, s.districtId]));
      snap.mayUseSchool = (schoolId) => can(user, 'records.write', { schoolId, districtId: schoolDistrict.get(schoolId) ?? null });
      const plan = planImport(sheet, snap, onProgress);
      return { plan, view: planView(plan, snap.devices) };
    },
    async apply(user, plan, file, onProgress) {
      return { created: await applyPlan(registry, plan, { user: user.username, file, onProgress: (p) => onProgress(p.done, p.total) }) };
    },
  }, limits);
}

/**
 * The Sở's list of districts, schools and sites, uploaded, previewed and confirmed like a device register. Only
 * users who may edit schools start one (the route checks), so there is no per-row scope to apply.
 */
export function placesImports(registry: RegistryStore, limits: IsolatedLimits): ImportJobs<PlacesImportJob, PlacesPlan> {
  return new ImportJobs<PlacesImportJob, PlacesPlan>({
    async plan(_user, sheet, onProgress) {
      const plan = planPlaces(sheet, await snapshotPlaces(registry), onProgress);
      return { plan, view: placesPlanView(plan) };
    },
    async apply(user, plan, file, onProgress) {
      if (placesPlanChanges(plan)) await applyPlacesPlan(registry, plan, { user: user.username, file, onProgress: (p) => onProgress(p.done, p.total) });
      return {};
    },
  }, limits);
}

function planView(plan: ImportPlan, devices: RegistrySnapshot['devices']): ImportPlanView {
  return {
    counts: plan.counts,
    rows: plan.rows.slice(0, PREVIEW_ROWS).map((r) => ({
      line: r.line, action: r.action, code: r.code, kind: r.kind, name: r.record.name ?? devices.get(r.code)?.name ?? r.code,
      school: r.place.schoolCode, site: r.place.site, room: r.place.room, changes: r.changes,
    })),
    refused: plan.refused,
    newSites: plan.newSites,
    newRooms: plan.newRooms,
    ignoredColumns: plan.ignoredColumns,
    notes: plan.notes,
  };
}

function placesPlanView(plan: PlacesPlan): PlacesPlanView {
  return {
    counts: plan.counts,
    districts: plan.districts.map(({ line, action, code, name }) => ({ line, action, code, name })),
    schools: plan.schools.slice(0, PREVIEW_ROWS).map(({ id: _id, ...s }) => s),
    newSites: plan.newSites.slice(0, PREVIEW_ROWS),
    refused: plan.refused,
    ignoredColumns: plan.ignoredColumns,
    notes: plan.notes,
  };
}

/** Refused rows stop an apply unless the user confirmed importing only the valid ones. */
function refuseUnlessValid(refused: number, applyValid: boolean): void {
  if (refused && !applyValid) {
    throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `${countNoun(refused, 'row')} refused; fix them and upload again, or confirm importing only the valid rows`);
  }
}

/** A failed read or plan, as the job shows it. */
function jobError(err: unknown): { code: string; message: string } {
  return err instanceof EdufleetError
    ? { code: err.code, message: err.message }
    : { code: 'EDUFLEET_ERR_IMPORT_FILE', message: `the file could not be imported: ${(err as Error).message}` };
}
