/**
 * Report exports made in the background so the browser can show progress: querying the report, then rendering the
 * rows. Files are kept in memory for the user who asked, for an hour.
 */
import { EdufleetError } from '../../lib/errors.js';
import type { User } from '../../registry/index.js';
import type { ExportJob } from '../../api/index.js';
import { UserJobs } from './user-jobs.js';

export type ExportWork = (progress: (p: ExportJob['progress']) => void) => Promise<{ fileName: string; contentType: string; data: Buffer }>;

interface Job { view: ExportJob; file?: { contentType: string; data: Buffer } }

export class ExportJobs {
  private readonly jobs = new UserJobs<Job>('export');

  start(user: User, format: ExportJob['format'], work: ExportWork): ExportJob {
    const job = this.jobs.add(user, (id) => ({ view: { id, format, status: 'running', progress: { phase: 'query', done: 0, total: 1 } } }));
    work((p) => { job.view.progress = p; }).then((f) => {
      job.file = { contentType: f.contentType, data: f.data };
      job.view.fileName = f.fileName;
      job.view.status = 'done';
    }, (err: unknown) => {
      job.view.status = 'failed';
      job.view.error = err instanceof EdufleetError ? { code: err.code, message: err.message } : { code: 'EDUFLEET_ERR_INTERNAL', message: `the export failed: ${(err as Error).message}` };
    });
    return job.view;
  }

  get(user: User, id: string): ExportJob {
    return this.jobs.own(user, id).view;
  }

  file(user: User, id: string): { fileName: string; contentType: string; data: Buffer } {
    const job = this.jobs.own(user, id);
    if (!job.file || !job.view.fileName) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `this export is ${job.view.status}`);
    return { fileName: job.view.fileName, ...job.file };
  }
}
