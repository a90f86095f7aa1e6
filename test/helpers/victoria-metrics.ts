/**
 * A real server that speaks the InfluxDB v2 write API (`/api/v2/write?org=&bucket=`): Debian's `victoria-metrics`,
 * installed by `npm run setup`, run in a temporary directory on a free loopback port. It names a series
 * `measurement_field` and keeps numbers only (a string field becomes a series of 0, booleans 1 and 0); `/api/v1/export`
 * reads every sample back with its exact millisecond timestamp.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../lib/net.js';
import { tempDir } from './stack.js';
import { waitFor } from './wait.js';

export const VICTORIA_METRICS_BIN = '/usr/bin/victoria-metrics';
/** Its longest line: longer ones are refused with a 400. */
export const MAX_LINE_BYTES = 4096;

/** One series of `/api/v1/export`: its name and labels, and its samples. */
export interface ExportedSeries {
  metric: Record<string, string> & { __name__: string };
  values: number[];
  timestamps: number[];
}

export class VictoriaMetrics {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  port = 0;
  readonly dir = tempDir('edufleet-vm-');

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts it (again on the same port and data, after a stop) and resolves once it answers `/health`. */
  async start(): Promise<string> {
    if (this.child) return this.url;
    if (this.port === 0) this.port = await freePort();
    const child = spawn(VICTORIA_METRICS_BIN, [
      `-storageDataPath=${path.join(this.dir, 'data')}`, `-httpListenAddr=127.0.0.1:${this.port}`,
      // A short line limit, so a test can send a line it refuses with a 400 (it skips a malformed one with a 204).
      '-loggerLevel=ERROR', '-retentionPeriod=100y', '-search.disableCache', `-influx.maxLineSize=${MAX_LINE_BYTES}`,
    ], { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor('VictoriaMetrics to answer /health', async () => child.exitCode === null && (await fetch(`${this.url}/health`)).ok);
    return this.url;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode === null) child.kill('SIGTERM');
    await this.exited;
  }

  /** Stops it and removes its data. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every series whose name matches the regular expression, with all its samples (written data made searchable first). */
  async export(nameRegex: string): Promise<ExportedSeries[]> {
    await fetch(`${this.url}/internal/force_flush`);
    const q = new URLSearchParams({ 'match[]': `{__name__=~${JSON.stringify(nameRegex)}}`, start: '0' });
    const res = await fetch(`${this.url}/api/v1/export`, { method: 'POST', body: q });
    if (!res.ok) throw new Error(`VictoriaMetrics export failed (${res.status}): ${await res.text()}`);
    return (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as ExportedSeries);
  }

  /**
   * The samples of a measurement's numeric fields, as `device|field|ts` → value: the same shape the contract suite
   * reads from InfluxDB 1.x. VictoriaMetrics names the series `measurement_field`.
   */
  async numbers(measurement: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const s of await this.export(`${measurement}_.+`)) {
      const field = s.metric.__name__.slice(measurement.length + 1);
      s.timestamps.forEach((ts, i) => out.set(`${s.metric.device}|${field}|${ts}`, s.values[i]!));
    }
    return out;
  }
}
