/**
 * Edge export files uploaded in the web app (docs/edge.md): the file, already on disk (the route streams it there), is
 * verified and applied in the background by the same code as `edufleet edge import` (edge/sneakernet.ts); the browser
 * polls the job for its progress and what it did. The job is kept in the registry (user-jobs.ts), so any dashboard
 * answers the poll. The file is deleted once the job ends, imported or refused.
 */
import { rmSync } from 'node:fs';
import type { EdgeImportJob } from '../../api/index.js';
import type { Config } from '../../config/index.js';
import { importEdgeFile } from '../../edge/sneakernet.js';
import { primaryWriter } from '../../gateway/writers.js';
import type { Clock } from '../../lib/clock.js';
import { parseDuration } from '../../lib/duration.js';
import { EdufleetError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { DeviceDirectory, RegistryStore, User } from '../../registry/index.js';
import type { ImportSlot } from './import-admission.js';
import { UserJobs } from './user-jobs.js';

/** `config.influx` carries the URL and credential of the InfluxDB the process uses (the stack puts a managed one's there). */
export interface EdgeImportDeps { config: Readonly<Config>; registry: RegistryStore; directory: DeviceDirectory; log: Logger; clock: Clock }

export class EdgeImportJobs {
  private readonly jobs: UserJobs<EdgeImportJob>;

  constructor(private readonly d: EdgeImportDeps) {
    this.jobs = new UserJobs<EdgeImportJob>(d.registry.jobs, 'edge-import', { clock: d.clock, what: 'edge file import' });
  }

  /** Starts importing the uploaded file at `path`; returns the job to poll at once. */
  async start(user: User, name: string, path: string, slot: ImportSlot): Promise<EdgeImportJob> {
    const job = await this.jobs.add(user, (id) => ({ id, file: name, status: 'importing', progress: { done: 0, total: 0 } })).catch((err: unknown) => {
      rmSync(path, { force: true });
      slot.release();
      throw err;
    });
    void this.run(user, path, job).finally(() => {
      rmSync(path, { force: true });
      slot.release();
    });
    return { ...job.view };
  }

  get(user: User, id: string): Promise<EdgeImportJob> {
    return this.jobs.own(user, id);
  }

  private async run(user: User, path: string, job: Awaited<ReturnType<UserJobs<EdgeImportJob>['add']>>): Promise<void> {
    const c = this.d.config;
    try {
      const writer = primaryWriter(c.influx, c.influx.url);
      await writer.ensureSchema();
      const window = { maxFutureSkewMs: c.gateway.maxFutureSkewMs, maxAgeMs: parseDuration(c.influx.rawRetention) };
      const s = await importEdgeFile({ registry: this.d.registry, writer, placements: this.d.directory, window, log: this.d.log, now: () => this.d.clock.now() }, path, {
        byUser: user.username,
        onProgress: (done, total) => {
          job.view.progress = { done, total };
          job.progress();
        },
      });
      job.view.status = 'done';
      job.view.result = {
        edge: s.edge, site: s.site, records: s.records, applied: s.applied, present: s.present, refused: s.refused, invalid: s.invalid,
        gaps: s.gaps, devices: s.devices.length, refusedDevices: s.refusedDevices, days: s.days,
      };
    } catch (err) {
      job.view.status = 'failed';
      const e = err instanceof EdufleetError ? err : new EdufleetError('EDUFLEET_ERR_INTERNAL', 'the edge file could not be imported; the server log has the details');
      if (!(err instanceof EdufleetError)) this.d.log.error({ err, job: job.view.id }, 'edge file import failed');
      job.view.error = { code: e.code, message: e.message };
    }
    await job.save().catch((err: unknown) => this.d.log.warn({ err, job: job.view.id }, 'could not save the edge import job'));
  }
}
