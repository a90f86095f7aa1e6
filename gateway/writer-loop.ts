import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Spool } from './spool.js';
import { PermanentWriteError, type TelemetryWriter } from './telemetry-writer.js';

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
  private appendedSinceRead = 0;
  /** True while InfluxDB is failing; /healthz reports it. */
  degraded = false;

  constructor(
    private readonly spool: Spool,
    private readonly writer: TelemetryWriter,
    private readonly opts: WriterLoopOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    spool.onAppend(() => {
      this.appendedSinceRead += 1;
      this.wake?.();
    });
  }

  start(): void {
    this.running = true;
    this.done = this.loop();
  }

  /** Stops after the batch in flight; with `drain`, first writes everything spooled (while InfluxDB answers). */
  async stop(drain = false): Promise<void> {
    if (drain) {
      while (this.running && this.spool.pendingBytes() > 0 && !this.degraded) await delay(20);
    }
    this.running = false;
    this.wake?.();
    await this.done;
  }

  private waitForAppend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }

  private async loop(): Promise<void> {
    let backoff = 100;
    let firstSeenAt = 0;
    while (this.running) {
      this.metrics.spoolPendingBytes.set(this.spool.pendingBytes());
      let batch = this.spool.read(this.opts.batchMaxPoints);
      if (batch.lines.length === 0) {
        firstSeenAt = 0;
        this.appendedSinceRead = 0;
        await this.waitForAppend(this.opts.flushIntervalMs);
        continue;
      }
      // A short batch waits until the oldest point has waited flushIntervalMs, unless more arrive to fill it.
      if (batch.lines.length < this.opts.batchMaxPoints) {
        firstSeenAt ||= Date.now();
        const left = firstSeenAt + this.opts.flushIntervalMs - Date.now();
        if (left > 0) {
          this.appendedSinceRead = 0;
          await this.waitForAppend(left);
          continue;
        }
      }
      firstSeenAt = 0;
      const points = batch.lines;
      const end = this.metrics.writeSeconds.startTimer();
      try {
        await this.writer.writeLines(points);
        end();
        this.metrics.pointsWritten.inc(points.length);
        this.spool.commit(batch.next);
        if (this.degraded) this.log.info('InfluxDB writes succeed again');
        this.degraded = false;
        backoff = 100;
      } catch (err) {
        if (err instanceof PermanentWriteError) {
          // InfluxDB refused the content (e.g. a field type conflict): retrying cannot help, and holding the batch
          // would stop every other device's data behind it. Validation upstream makes this rare; count it loudly.
          this.metrics.pointsDropped.inc(points.length);
          this.log.error({ err: err.message, points: points.length }, 'InfluxDB refused a batch; dropped');
          this.spool.commit(batch.next);
          continue;
        }
        this.metrics.writeErrors.inc();
        if (!this.degraded) this.log.warn({ err: (err as Error).message }, 'InfluxDB write failed; readings stay in the spool and are retried');
        this.degraded = true;
        await delay(backoff);
        backoff = Math.min(backoff * 2, this.opts.retryMaxMs);
      }
      batch = { lines: [], next: batch.next };
    }
  }
}
