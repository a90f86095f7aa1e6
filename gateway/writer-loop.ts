import { setTimeout as delay } from 'node:timers/promises';
import { Health } from '../lib/component.js';
import { countResourceError } from '../lib/limits.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Spool, SpoolBatch } from './spool.js';
import { PermanentWriteError, type TelemetryWriter } from './telemetry-writer.js';

/** Spooled bytes of a batch: its lines and their newlines (the spool is UTF-8; lines are mostly ASCII). */

export interface WriterLoopOptions {
  batchMaxPoints: number;
  flushIntervalMs: number;
  retryMaxMs: number;
}

/**
 * Moves points from the spool to InfluxDB in order: batches by size (batchMaxPoints) and by time (flushIntervalMs),
 * retries with exponential back-off while InfluxDB is down, and commits the spool checkpoint only after a write
 * succeeded. One loop per process, so order is kept.
 */
export class WriterLoop {
  private running = false;
  private done: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private firstSeenAt = 0;
  private backoff = 100;
  /** Mean spooled bytes per line of the last batch read: tells, from the spool's byte count alone, whether a batch is full. */
  private bytesPerLine = 0;
  /** InfluxDB writes; degraded while they fail (/healthz reports it as `influx: unreachable`). */
  readonly influxHealth: Health;
  /** Reading the spool and committing its checkpoint (a full disk, EMFILE). */
  readonly spoolHealth: Health;

  constructor(
    private readonly spool: Spool,
    private readonly writer: TelemetryWriter,
    private readonly opts: WriterLoopOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    const count = (err: unknown, context: string) => countResourceError(metrics, err, context);
    this.influxHealth = new Health('gateway', log, count);
    this.spoolHealth = new Health('gateway', log, count);
    spool.onAppend(() => this.wake?.());
  }

  /** True while InfluxDB is failing. */
  get degraded(): boolean {
    return this.influxHealth.degraded;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.influxHealth.started();
    this.spoolHealth.started();
    this.done = this.loop();
  }

  /** Stops after the batch in flight; with `drain`, first writes everything spooled (while InfluxDB answers). */
  async stop(drain = false): Promise<void> {
    if (drain) {
      while (this.running && this.spool.pendingBytes() > 0 && !this.degraded && !this.spoolHealth.degraded) await delay(20);
    }
    this.running = false;
    this.wake?.();
    await this.done;
    this.influxHealth.stopped();
    this.spoolHealth.stopped();
  }

  private waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }

  /** Nothing escapes: a failure of one pass is recorded, waited out with back-off, and the loop goes on. */
  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.pass();
      } catch (err) {
        this.spoolHealth.fail(err, 'spool read or checkpoint');
        await this.pause();
      }
    }
  }

  private async pause(): Promise<void> {
    await delay(this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.opts.retryMaxMs);
  }

  private async pass(): Promise<void> {
    const pending = this.spool.pendingBytes();
    this.metrics.spoolPendingBytes.set(pending);
    this.metrics.spoolDiskBytes.set(this.spool.usage().usedBytes);
    // While a short batch waits to fill, every group commit wakes the loop: reading the batch again each time (up to
    // batchMaxPoints lines from disk, every 2 ms) cost more than writing it, so it waits on the byte count instead.
    if (this.firstSeenAt && pending < this.bytesPerLine * this.opts.batchMaxPoints) {
      const left = this.firstSeenAt + this.opts.flushIntervalMs - Date.now();
      if (left > 0) return this.waitForAppend(left);
    }
    const batch = this.spool.read(this.opts.batchMaxPoints);
    if (batch.count === 0) {
      // Nothing to write, but the reader moved on to a new segment: committing that deletes the one behind it.
      if (batch.next.segment > this.spool.position().segment) this.spool.commit(batch.next);
      this.firstSeenAt = 0;
      this.spoolHealth.ok();
      return this.waitForAppend(this.opts.flushIntervalMs);
    }
    // A short batch waits until the oldest point has waited flushIntervalMs, unless more arrive to fill it.
    if (batch.count < this.opts.batchMaxPoints) {
      this.bytesPerLine = batch.data.length / batch.count;
      this.firstSeenAt ||= Date.now();
      const left = this.firstSeenAt + this.opts.flushIntervalMs - Date.now();
      if (left > 0) return this.waitForAppend(left);
    }
    this.firstSeenAt = 0;
    if (!(await this.write(batch))) return this.pause();
    // A checkpoint that fails to save throws to loop(): the batch is written again, which InfluxDB takes as a no-op.
    this.spool.commit(batch.next);
    this.spoolHealth.ok();
    this.backoff = 100;
  }

  /** Writes one batch; false when it should be retried. A batch InfluxDB refuses for its content counts as done. */
  private async write(batch: SpoolBatch): Promise<boolean> {
    const end = this.metrics.writeSeconds.startTimer();
    try {
      await this.writer.writeBatch(batch.data);
      end();
      this.metrics.pointsWritten.inc(batch.count);
      this.influxHealth.ok();
      return true;
    } catch (err) {
      if (err instanceof PermanentWriteError) {
        // InfluxDB refused the content (e.g. a field type conflict): retrying cannot help, and holding the batch
        // would stop every other device's data behind it. Validation upstream makes this rare; count it loudly.
        this.metrics.pointsDropped.inc(batch.count);
        this.log.error({ err, points: batch.count }, 'InfluxDB refused a batch; dropped');
        return true;
      }
      this.metrics.writeErrors.inc();
      this.influxHealth.fail(err, 'InfluxDB write (readings stay in the spool)');
      return false;
    }
  }
}
