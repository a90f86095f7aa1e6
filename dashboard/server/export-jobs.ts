/**
 * Report exports made in the background so the browser can show progress: querying the rollups, then rendering the
 * rows. Files are kept in memory for the user who asked, for an hour.
 */
import { randomBytes } from 'node:crypto';
import { EdufleetError } from '../../lib/errors.js';
import type { User } from '../../registry/index.js';
import type { ExportJob } from '../shared/api.js';

const TTL_MS = 60 * 60 * 1000;
const MAX_PER_USER = 5;

export type ExportWork = (progress: (p: ExportJob['progress']) => void) => Promise<{ fileName: string; contentType: string; data: Buffer }>;

interface Job { view: ExportJob; userId: number; touched: number; file?: { contentType: string; data: Buffer } }

export class ExportJobs {
  private readonly jobs = new Map<string, Job>();

  start(user: User, format: ExportJob['format'], work: ExportWork): ExportJob {
    this.expire();
    const mine = [...this.jobs.entries()].filter(([, j]) => j.userId === user.id);
    for (const [id] of mine.slice(0, Math.max(0, mine.length - MAX_PER_USER + 1))) this.jobs.delete(id);
    const job: Job = { view: { id: randomBytes(9).toString('base64url'), format, status: 'running', progress: { phase: 'query', done: 0, total: 1 } }, userId: user.id, touched: Date.now() };
    this.jobs.set(job.view.id, job);
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
    return this.own(user, id).view;
  }

  file(user: User, id: string): { fileName: string; contentType: string; data: Buffer } {
    const job = this.own(user, id);
    if (!job.file || !job.view.fileName) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_CONFLICT', `this export is ${job.view.status}`);
    return { fileName: job.view.fileName, ...job.file };
  }

  private own(user: User, id: string): Job {
    this.expire();
    const job = this.jobs.get(id);
    if (!job || job.userId !== user.id) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', 'no such export (exports are kept for an hour)');
    job.touched = Date.now();
    return job;
  }

  private expire(now = Date.now()): void {
    for (const [id, j] of this.jobs) if (now - j.touched > TTL_MS) this.jobs.delete(id);
  }
}
