/**
 * Imports started from the web app: the uploaded file is read and planned in the background (the browser polls
 * the job and draws a progress bar), and applied only when the user confirms the preview. The plan is made again
 * at apply time against the registry as it is then, so a preview that has gone stale cannot apply stale changes.
 */
import { EdufleetError } from '../../lib/errors.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import {
  applyPlacesPlan, applyPlan, planImport, planPlaces, placesPlanChanges, snapshotPlaces, snapshotRegistry, type ImportPlan, type PlacesPlan, type RegistrySnapshot,
} from '../../registry/import/index.js';
import { readSheet, type Sheet } from '../../lib/sheets/index.js';
import type { RegistryStore, User } from '../../registry/index.js';
import type { ImportJob, ImportPlanView, PlacesImportJob, PlacesPlanView } from '../../api/index.js';
import { can } from './scope.js';
import { UserJobs } from './user-jobs.js';

/** Rows shown in a preview; the counts and every refused row are always complete. */
export const PREVIEW_ROWS = 2000;

interface Job { view: ImportJob; sheet?: Sheet }

export class ImportJobs {
  private readonly jobs = new UserJobs<Job>('import');

  constructor(private readonly registry: RegistryStore, private readonly clock: Clock = systemClock) {}

  /** Starts reading and planning `data`; returns at once with the job to poll. */
  start(user: User, file: string, data: Buffer): ImportJob {
    const job = this.jobs.add(user, (id) => ({ view: { id, file, status: 'planning', progress: { phase: 'read', done: 0, total: data.length } } }));
    void this.plan(job, user, data);
    return job.view;
  }

  /** The job, if it is this user's. */
  get(user: User, id: string): ImportJob {
    return this.own(user, id).view;
  }

  /** Applies a planned job: all rows, or only the valid ones when `applyValid` (refused rows otherwise stop it). */
  async apply(user: User, id: string, applyValid: boolean): Promise<ImportJob> {
    const job = this.own(user, id);
    if (job.view.status !== 'planned' || !job.sheet) {
      throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `this import is ${job.view.status}; only a previewed import can be applied`);
    }
    // Taken before planning again, so a second confirmation meanwhile is refused rather than applied twice.
    job.view.status = 'applying';
    try {
      const plan = await this.planNow(user, job);
      refuseUnlessValid(plan.refused.length, applyValid);
      job.view.created = await applyPlan(this.registry, plan, {
        user: user.username, file: job.view.file,
        onProgress: (p) => { job.view.progress = { phase: 'apply', done: p.done, total: p.total }; },
      });
      job.view.status = 'applied';
      job.sheet = undefined;
    } catch (err) {
      job.view.status = 'planned';
      throw err;
    }
    return job.view;
  }

  private async plan(job: Job, user: User, data: Buffer): Promise<void> {
    try {
      job.sheet = await readSheet(job.view.file, data);
      job.view.progress = { phase: 'plan', done: 0, total: job.sheet.rows.length };
      await this.planNow(user, job);
      job.view.status = 'planned';
    } catch (err) {
      job.view.status = 'failed';
      job.view.error = jobError(err);
    }
  }

  /** Plans against the registry now, limited to the schools this user may change. */
  private async planNow(user: User, job: Job): Promise<ImportPlan> {
    const snap = await snapshotRegistry(this.registry, this.clock.now());
    const schoolDistrict = new Map((await this.registry.schools()).map((s) => [s.id, s.districtId]));
    snap.mayUseSchool = (schoolId) => can(user, 'records.write', { schoolId, districtId: schoolDistrict.get(schoolId) ?? null });
    const plan = planImport(job.sheet!, snap, (done, total) => { job.view.progress = { phase: 'plan', done, total }; });
    job.view.plan = planView(plan, snap.devices);
    return plan;
  }

  private own(user: User, id: string): Job {
    return this.jobs.own(user, id);
  }
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

/** Refused rows stop an apply unless the user confirmed importing only the valid ones. */
function refuseUnlessValid(refused: number, applyValid: boolean): void {
  if (refused && !applyValid) {
    throw new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', `${refused} row(s) refused; fix them and upload again, or confirm importing only the valid rows`);
  }
}

/** A failed read or plan, as the job shows it. */
function jobError(err: unknown): { code: string; message: string } {
  return err instanceof EdufleetError
    ? { code: err.code, message: err.message }
    : { code: 'EDUFLEET_ERR_IMPORT_FILE', message: `the file could not be imported: ${(err as Error).message}` };
}

interface PlacesJob { view: PlacesImportJob; sheet?: Sheet }

/**
 * The Sở's list of districts, schools and sites, uploaded, previewed and confirmed like a device register. Only
 * users who may edit schools start one (the route checks), so there is no per-row scope to apply.
 */
export class PlacesImportJobs {
  private readonly jobs = new UserJobs<PlacesJob>('import');

  constructor(private readonly registry: RegistryStore) {}

  start(user: User, file: string, data: Buffer): PlacesImportJob {
    const job = this.jobs.add(user, (id) => ({ view: { id, file, status: 'planning', progress: { phase: 'read', done: 0, total: data.length } } }));
    void this.plan(job, data);
    return job.view;
  }

  get(user: User, id: string): PlacesImportJob {
    return this.jobs.own(user, id).view;
  }

  /** Applies a previewed job, planned again against the registry as it is now. */
  async apply(user: User, id: string, applyValid: boolean): Promise<PlacesImportJob> {
    const job = this.jobs.own(user, id);
    if (job.view.status !== 'planned' || !job.sheet) {
      throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `this import is ${job.view.status}; only a previewed import can be applied`);
    }
    job.view.status = 'applying';
    try {
      const plan = await this.planNow(job);
      refuseUnlessValid(plan.refused.length, applyValid);
      if (placesPlanChanges(plan)) {
        await applyPlacesPlan(this.registry, plan, {
          user: user.username, file: job.view.file,
          onProgress: (p) => { job.view.progress = { phase: 'apply', done: p.done, total: p.total }; },
        });
      }
      job.view.status = 'applied';
      job.sheet = undefined;
    } catch (err) {
      job.view.status = 'planned';
      throw err;
    }
    return job.view;
  }

  private async plan(job: PlacesJob, data: Buffer): Promise<void> {
    try {
      job.sheet = await readSheet(job.view.file, data);
      job.view.progress = { phase: 'plan', done: 0, total: job.sheet.rows.length };
      await this.planNow(job);
      job.view.status = 'planned';
    } catch (err) {
      job.view.status = 'failed';
      job.view.error = jobError(err);
    }
  }

  private async planNow(job: PlacesJob): Promise<PlacesPlan> {
    const plan = planPlaces(job.sheet!, await snapshotPlaces(this.registry), (done, total) => { job.view.progress = { phase: 'plan', done, total }; });
    job.view.plan = placesPlanView(plan);
    return plan;
  }
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
