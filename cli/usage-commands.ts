/** `edufleet usage analyse`: room usage from raw readings, for days the live loop did not see (backfills, outages). */
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { systemClock } from '../lib/clock.js';
import { influxClient, rollupStorage, runningInfluxd } from '../lib/influx/index.js';
import { createLogger } from '../lib/logger.js';
import { ISO_DATE, addDays, localDate } from '../timetable/index.js';
import { UsageAnalyser } from '../usage/analyser.js';
import { startStack } from '../app/stack.js';
import { openStore } from '../app/open-store.js';

export function registerUsageCommands(program: Command, config: () => Readonly<Config>): void {
  const usage = program.command('usage').description('room usage against the timetable (see docs/usage.md)');
  usage.command('analyse')
    .description('analyse room usage of local days FROM to TO (inclusive) from the raw readings, replacing earlier results')
    .requiredOption('--from <yyyy-mm-dd>', 'first day')
    .option('--to <yyyy-mm-dd>', 'last day (default: today)')
    .action(async (o: { from: string; to?: string }) => {
      const to = o.to ?? localDate(Date.now());
      if (!ISO_DATE.test(o.from) || !ISO_DATE.test(to)) throw new Error('--from and --to are dates as yyyy-mm-dd');
      const cfg = config();
      const log = createLogger(cfg.logLevel);
      // Use the InfluxDB of a running EduFleet (with the credential its data directory keeps); else start this data
      // directory's own for the time of the command.
      const influx = cfg.influx.url ? cfg.influx : await runningInfluxd(path.join(cfg.dataDir, 'influxdb'));
      const stack = influx ? undefined : await startStack({ config: cfg, only: ['usage'], log });
      const registry = stack ? undefined : await openStore(cfg);
      try {
        let analyser = stack?.usage?.analyser;
        if (!analyser) {
          const target = { ...cfg.influx, ...influx! };
          const client = influxClient(target.url, target);
          // InfluxDB 1.x or 2.x (influx.version): a 2.x primary's buckets are set up before the first day is written.
          const rollups = rollupStorage(target, client, log);
          if (!rollups.ownsSchema) await rollups.ensureSchema();
          analyser = new UsageAnalyser({ influx: client, database: cfg.influx.database, registry: registry!, store: registry!.usage, log, clock: systemClock, rollups });
        }
        const days = await analyser.analyseDays(o.from, addDays(to, 1), (done, total) => process.stderr.write(`\ranalysed ${done}/${total} day(s)`));
        process.stderr.write('\n');
        const intervals = days.reduce((a, d) => a + d.intervals, 0);
        console.log(`${days.length} day(s) analysed: ${intervals} interval(s) of room use`);
      } finally {
        if (stack) await stack.stop();
        else await registry!.close();
      }
    });
}
