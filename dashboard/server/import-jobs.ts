/**
 * Imports started from the web app: the uploaded file is read and planned in the background (the browser polls
 * the job and draws a progress bar), and applied only when the user confirms the preview. The plan is made again
 * at apply time against the registry as it is then, so a preview that has gone stale cannot apply stale changes.
 * Every kind of import (the equipment register, the Sở's school list) follows the same steps; a kind only says how
 * to plan, show and apply its sheet. The job and its parsed sheet are kept in the registry (user-jobs.ts): a preview
 * made on one dashboard is confirmed on whichever the load balancer picks.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
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
import { UserJobs, type RunningJob } from './user-jobs.js';

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

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/** A preview's sheet as the registry keeps it until it is confirmed: JSON, gzipped off the event loop. */
const packSheet = async (sheet: Sheet): Promise<Buffer> => gzipAsync(Buffer.from(JSON.stringify(sheet)));
const unpackSheet = async (packed: Buffer): Promise<Sheet> => JSON.parse((await gunzipAsync(packed)).toString()) as Sheet;

export class ImportJobs<V extends JobView, P extends { refused: readonly unknown[] }> {
  private readonly jobs: UserJobs<V>;

  /** `name` keeps each kind's jobs apart in the registry ("import", "places-import"). */
  constructor(registry: Pick<RegistryStore, 'jobs'>, name: string, private readonly kind: ImportKind<V, P>, private readonly limits: IsolatedLimits, clock?: Clock) {
    this.jobs = new UserJobs<V>(registry.jobs, name, { clock, what: 'import' });
  }

  /**
   * Starts reading and planning `data`; returns at once with the job to poll. `slot`, the upload's admission
   * (import-admission.ts), is given back once the file is read and planned, or has failed.
   */
  async start(user: User, file: string, data: Buffer, slot?: ImportSlot): Promise<V> {
    let job: RunningJob<V>;
    try {
      // Every view starts with these fields only; the kind's own ones (plan, created) come later.
      job = await this.jobs.add(user, (id) => ({ id, file, status: 'planning', progress: { phase: 'read', done: 0, total: data.length } } as V));
    } catch (err) {
      slot?.release();
      throw err;
    }
    void this.plan(job, user, data).finally(() => slot?.release());
    return { ...job.view };
  }

  /** The job, if it is this user's. */
  get(user: User, id: string): Promise<V> {
    return this.jobs.own(user, id);
  }

  /** Applies a planned job: all rows, or only the valid ones when `applyValid` (refused rows otherwise stop it). */
  async apply(user: User, id: string, applyValid: boolean): Promise<V> {
    // Taken before planning again, on every dashboard at once, so a second confirmation is refused rather than applied twice.
    const job = await this.jobs.claim(user, id, 'planned', (v) => { v.status = 'applying'; });
    if (!job) {
      const { status } = await this.jobs.own(user, id);
      throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `this import is ${status}; only a previewed import can be applied`);
    }
    try {
      const { file } = await this.jobs.ownWithFile(user, id);
      if (!file) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', 'this import has no preview to apply; upload the file again');
      const plan = await this.planNow(user, job, await unpackSheet(file));
      refuseUnlessValid(plan.refused.length, applyValid);
      const onProgress: Progress = (done, total) => { job.view.progress = { phase: 'apply', done, total }; job.progress(); };
      Object.assign(job.view, await this.kind.apply(user, plan, job.view.file, onProgress));
    } catch (err) {
      job.view.status = 'planned';
      await job.save().catch(() => undefined);
      throw err;
    }
    job.view.status = 'applied';
    await job.save(null);
    return job.view;
  }

  private async plan(job: RunningJob<V>, user: User, data: Buffer): Promise<void> {
    try {
      // In a worker with a capped heap, after the size checks: a bomb fails this job, never the dashboard.
      const sheet = await readSheetIsolated(job.view.file, data, this.limits);
      job.view.progress = { phase: 'plan', done: 0, total: sheet.rows.length };
      job.progress();
      await this.planNow(user, job, sheet);
      job.view.status = 'planned';
      await job.save(await packSheet(sheet));
    } catch (err) {
      job.view.status = 'failed';
      delete job.view.plan;
      job.view.error = jobError(err);
      // Unless the registry itself is down, the failure is recorded; if it is, the job stays 'planning' until it expires.
      await job.save(null).catch(() => undefined);
    }
  }

  private async planNow(user: User, job: RunningJob<V>, sheet: Sheet): Promise<P> {
    const { plan, view } = await this.kind.plan(user, sheet, (done, total) => { job.view.progress = { phase: 'plan', done, total }; job.progress(); });
    job.view.plan = view;
    return plan;
  }
}

/** The equipment register: each row is planned only within the schools this user may change. */
export function equipmentImports(registry: RegistryStore, limits: IsolatedLimits, clock: Clock = systemClock): ImportJobs<ImportJob, ImportPlan> {
  return new ImportJobs<ImportJob, ImportPlan>(registry, 'import', {
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
  }, limits, clock);
}

/**
 * The Sở's list of districts, schools and sites, uploaded, previewed and confirmed like a device register. Only
 * users who may edit schools start one (the route checks), so there is no per-row scope to apply.
 */
export function placesImports(registry: RegistryStore, limits: IsolatedLimits, clock: Clock = systemClock): ImportJobs<PlacesImportJob, PlacesPlan> {
  return new ImportJobs<PlacesImportJob, PlacesPlan>(registry, 'places-import', {
    async plan(_user, sheet, onProgress) {
      const plan = planPlaces(sheet, await snapshotPlaces(registry), onProgress);
      return { plan, view: placesPlanView(plan) };
    },
    async apply(user, plan, file, onProgress) {
      if (placesPlanChanges(plan)) await applyPlacesPlan(registry, plan, { user: user.username, file, onProgress: (p) => onProgress(p.done, p.total) });
      return {};
    },
  }, limits, clock);
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
