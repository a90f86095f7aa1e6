import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Health } from '../lib/component.js';
import type { Logger } from '../lib/logger.js';
import { PRIVATE_FILE_MODE } from '../lib/private-files.js';
import type { Spool, SpoolFollower, SpoolPosition } from './spool.js';
import { PermanentWriteError, type TelemetryWriter } from './telemetry-writer.js';

export interface MirrorLoopOptions {
  batchMaxPoints: number;
  /** How often it looks for batches the primary has written since. */
  flushIntervalMs: number;
  retryMaxMs: number;
}

/** Beside the writer's checkpoint.json in the spool directory. */
export const MIRROR_CHECKPOINT = 'mirror-checkpoint.json';

/**
 * Sends every batch the primary InfluxDB has taken on to a second store (the mirror: a province's data lake, the
 * IOC), as a second reader of the spool with its own checkpoint: while the mirror is down, the spool keeps the
 * segments it has not read, and it catches up once the mirror answers, in order, from where it was, across restarts.
 * It never holds the primary back: it reads only what the primary has committed, and when the segments kept for it
 * would make the spool refuse a device's reading, the spool takes them back (`skip`): those points, in the primary
 * already, are lost to the mirror and counted (`skippedPoints`, /healthz and the log).
 */
export class MirrorLoop implements SpoolFollower {
  private cursor: SpoolPosition = { segment: 1, offset: 0 };
  private running = false;
  private done: Promise<void> | undefined;
  private backoff = 100;
  private readonly file: string;
  /** Points the mirror has taken, and points it lost: the budget's skips, and batches it refused (4xx). */
  written = 0;
  skippedPoints = 0;
  refusedPoints = 0;
  readonly health: Health;

  constructor(
    private readonly spool: Spool,
    spoolDir: string,
    private readonly writer: TelemetryWriter,
    private readonly opts: MirrorLoopOptions,
    private readonly log: Logger,
  ) {
    this.file = path.join(spoolDir, MIRROR_CHECKPOINT);
    this.health = new Health('gateway', log);
  }

  /**
   * A first mirror starts from what the primary writes next. A checkpoint behind the oldest segment (the mirror was
   * off a while) reads on from the oldest one left; an unreadable one is logged and replaced, not fatal: the primary
   * must start whatever state the mirror's file is in.
   */
  private load(): SpoolPosition {
    if (!existsSync(this.file)) return this.spool.position();
    try {
      const p = JSON.parse(readFileSync(this.file, 'utf8')) as SpoolPosition;
      if (Number.isInteger(p.segment) && Number.isInteger(p.offset)) return p;
    } catch {
      // reported below
    }
    this.log.error({ file: this.file }, 'the InfluxDB mirror checkpoint is unreadable: the mirror starts again from what the primary writes next');
    return this.spool.position();
  }

  position(): SpoolPosition {
    return this.cursor;
  }

  skip(to: SpoolPosition, records: number): void {
    this.skippedPoints += records;
    this.log.error({ points: records, mirror: 'influx.mirror' }, 'the spool needed the room the InfluxDB mirror was behind on: points left out of the mirror (they are in the primary)');
    this.save(to);
  }

  /** Starts following the spool (once the spool is open: the first position is the writer's). */
  start(): void {
    if (this.running) return;
    this.running = true;
    // Saved at once: a mirror that has not written anything yet keeps its place across a restart all the same.
    this.save(this.load());
    this.spool.follow(this);
    this.health.started();
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
    this.health.stopped();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let wait = this.opts.flushIntervalMs;
      try {
        const batch = this.spool.readCommitted(this.cursor, this.opts.batchMaxPoints);
        if (batch.count === 0 && batch.next.segment > this.cursor.segment) {
          // Nothing to send, but it reached a newer segment: moving there frees the one behind (as the writer loop does).
          this.save(batch.next);
          this.spool.release();
        } else if (batch.count > 0 && (await this.write(batch.data, batch.count))) {
          // The spool may have moved it past this batch meanwhile (skip): it never goes back into freed segments.
          if (!behind(batch.next, this.cursor)) this.save(batch.next);
          this.spool.release();
          this.backoff = 100;
          wait = 0;
        } else if (batch.count > 0) {
          wait = this.backoff;
          this.backoff = Math.min(this.backoff * 2, this.opts.retryMaxMs);
        }
      } catch (err) {
        this.health.fail(err, 'InfluxDB mirror checkpoint');
        wait = this.backoff;
      }
      if (wait > 0) await this.sleep(wait);
    }
  }

  /** Sleeps in short steps, so stop() does not wait out a long back-off. */
  private async sleep(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.running && Date.now() < until) await delay(Math.min(50, until - Date.now()));
  }

  /** True when the batch is done with: written, or refused for its content (counted, as the primary's writer does). */
  private async write(data: Buffer, count: number): Promise<boolean> {
    try {
      await this.writer.writeBatch(data);
      this.written += count;
      this.health.ok();
      return true;
    } catch (err) {
      if (err instanceof PermanentWriteError) {
        this.refusedPoints += count;
        this.log.error({ err, points: count }, 'the InfluxDB mirror refused a batch; dropped from the mirror');
        return true;
      }
      this.health.fail(err, 'InfluxDB mirror write (readings stay in the spool for it)');
      return false;
    }
  }

  /** No fsync, as the writer's checkpoint: a lost one only sends the mirror points it has again, which it overwrites. */
  private save(next: SpoolPosition): void {
    this.cursor = next;
    writeFileSync(this.file + '.tmp', JSON.stringify(next), { mode: PRIVATE_FILE_MODE });
    renameSync(this.file + '.tmp', this.file);
  }
}

const behind = (a: SpoolPosition, b: SpoolPosition): boolean => a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset);
