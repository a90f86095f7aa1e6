import type { Config } from '../config/index.js';
import { InfluxV1Writer } from '../gateway/telemetry-writer.js';
import type { Clock } from '../lib/clock.js';
import { influxClient } from '../lib/influx-client.js';
import type { Logger } from '../lib/logger.js';
import type { SqliteRegistry } from '../registry/index.js';
import { UsageAnalyser } from './analyser.js';
import { MonthlyReports } from './monthly-reports.js';
import { UsageQueries } from './queries.js';
import type { UsageStore } from './store.js';

/**
 * The `usage` component: analyses today and yesterday every `usage.analyseIntervalMs`, so rollups stay current
 * within minutes, and sends the monthly planning reports. One process of a deployment runs it (rewriting a day is idempotent, but wasteful twice).
 */
export class UsageLoop {
  readonly analyser: UsageAnalyser;
  readonly reports: MonthlyReports;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly o: { config: Readonly<Config>; influxUrl: string; registry: SqliteRegistry; store: UsageStore; log: Logger; clock: Clock }) {
    const influx = influxClient(o.influxUrl, o.config.influx);
    this.analyser = new UsageAnalyser({ influx, database: o.config.influx.database, registry: o.registry, store: o.store, log: o.log, clock: o.clock });
    this.reports = new MonthlyReports({ ...o, queries: new UsageQueries(influx, o.config.influx.database) });
  }

  async start(): Promise<void> {
    // The rollup retention policy must exist even in a process that runs no gateway.
    await new InfluxV1Writer({ ...this.o.config.influx, url: this.o.influxUrl }).ensureSchema();
    this.reports.start();
    const every = this.o.config.usage.analyseIntervalMs;
    if (!every) return;
    this.timer = setInterval(() => void this.runOnce(), every);
    this.timer.unref();
  }

  /** One pass; a pass still running is not started twice. */
  async runOnce(): Promise<void> {
    if (this.running) return;
    const started = Date.now();
    this.running = this.analyser.analyseRecent().then(
      (days) => this.o.log.debug({ days: days.map((d) => d.date), ms: Date.now() - started }, 'room usage analysed'),
      (err: Error) => this.o.log.warn({ err: err.message }, 'room usage analysis failed; will retry'),
    );
    await this.running;
    this.running = undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.reports.stop();
    await this.running;
  }
}
