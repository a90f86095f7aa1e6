import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Spool } from '../../gateway/spool.js';
import { InfluxV1Writer } from '../../gateway/telemetry-writer.js';
import { WriterLoop } from '../../gateway/writer-loop.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { influxOptions } from '../helpers/influx.js';
import { tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

describe('the writer loop', () => {
  const dir = tempDir('edufleet-writer-loop-');
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  beforeAll(async () => {
    await influxd.start();
  });
  afterAll(async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A real spool whose reads are counted, and a loop writing into its own database. */
  async function setUp(name: string, opts: { batchMaxPoints: number; flushIntervalMs: number }) {
    const spool = new Spool({ dir: path.join(dir, name), groupCommitMs: 1, segmentBytes: 1 << 20 });
    await spool.open();
    const reads: number[] = [];
    const read = spool.read.bind(spool);
    spool.read = (max) => {
      const b = read(max);
      reads.push(b.lines.length);
      return b;
    };
    const writer = new InfluxV1Writer({ ...influxOptions(influxd), database: name, rawRetention: '3650d', rollupRetention: '3650d' });
    await writer.ensureSchema();
    const metrics = createMetrics();
    const loop = new WriterLoop(spool, writer, { ...opts, retryMaxMs: 1_000 }, metrics, createLogger('silent'));
    loop.start();
    const stored = async () => {
      const rows = await writer.influx.query<{ count: number }>('SELECT count(v) FROM m', { database: name });
      return rows[0]?.count ?? 0;
    };
    const stop = async () => {
      await loop.stop();
      await spool.close();
    };
    return { spool, reads, metrics, stored, stop };
  }

  const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => `m,device=d${(from + i) % 7} v=${from + i} ${1_700_000_000_000 + from + i}`);

  it('reads a filling batch from the spool once it is full, not again on every group commit', async () => {
    const t = await setUp('fill', { batchMaxPoints: 50, flushIntervalMs: 600_000 });
    try {
      // 40 durable appends of 5 lines: each one wakes the loop.
      for (let i = 0; i < 200; i += 5) await t.spool.append(lines(i, 5));
      const writes = async () => (await t.metrics.writeSeconds.get()).values.find((v) => v.metricName === 'edufleet_influx_write_seconds_count')?.value;
      await waitFor('four batches written', async () => (await writes()) === 4 || undefined);
      expect(await t.stored()).toBe(200);
      // Per batch: a short read that starts the wait, maybe one more while the estimate of bytes per line settles, and
      // the full read; the other appends only compare byte counts (reading on every wake made 40 reads and more).
      expect(t.reads.filter((n) => n === 50)).toHaveLength(4);
      expect(t.reads.filter((n) => n > 0 && n < 50).length).toBeLessThanOrEqual(8);
    } finally {
      await t.stop();
    }
  });

  it('still sends a short batch once its oldest point has waited flushIntervalMs', async () => {
    const t = await setUp('short', { batchMaxPoints: 1_000, flushIntervalMs: 200 });
    try {
      await t.spool.append(lines(0, 3));
      await t.spool.append(lines(3, 2));
      await waitFor('the batch committed', () => t.spool.pendingBytes() === 0 || undefined);
      expect(await t.stored()).toBe(5);
    } finally {
      await t.stop();
    }
  });
});
