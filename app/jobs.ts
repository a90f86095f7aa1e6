/**
 * Where the background jobs run (docs/operations.md, "Background jobs"): each job runs in every process that has one
 * of its components in `--only`, so every documented layout has a home for every job (one process: all of them;
 * `broker,gateway` nodes: alert engine, notifications and digests; `dashboard` processes: usage analysis, monthly
 * reports, schedules and the bulk-run watcher), and a lease in the registry picks the one process that does the work
 * of a singleton job, while the notifications lease each row they send. Another process takes over a dead holder's
 * lease within 4/3 of `jobs.leaseMs`.
 */
import { AlertEngine } from '../alerts/engine.js';
import { NotificationDispatcher } from '../alerts/notify/index.js';
import { RunWatcher, Scheduler } from '../commands/index.js';
import { can } from '../dashboard/server/scope.js';
import { defaultNodeName } from '../lib/cluster-keys.js';
import type { Component } from '../lib/component.js';
import { influxClient } from '../lib/influx/index.js';
import { JobLease, leaseOwner } from '../registry/index.js';
import { MonthlyReports } from '../usage/monthly-reports.js';
import { UsageQueries } from '../usage/queries.js';
import { UsageLoop } from '../usage/usage-loop.js';
import type { ComponentName, StackParts } from './stack.js';

/** Which `--only` names bring which group of jobs (either name is enough). */
export const JOB_HOMES = {
  /** The alert engine's passes, the notification dispatch and the daily digest: beside the signals the gateways record. */
  alerts: ['alerts', 'gateway'],
  /** The usage loop and the monthly reports: they read InfluxDB, which a dashboard has for its history pages. */
  usage: ['usage', 'dashboard'],
  /** The schedules and the bulk-run watcher: registry only, beside the dashboard where runs and schedules are made. */
  scheduler: ['scheduler', 'dashboard'],
} as const satisfies Record<string, readonly ComponentName[]>;

/** The leases of the singleton jobs, as the `leases` table names them. */
/** `job:device-meta`: Grafana's names (gateway/device-meta.ts), leased beside the gateway that writes them (app/stack.ts). */
export const JOB_LEASES = ['job:alerts', 'job:usage', 'job:reports', 'job:scheduler', 'job:command-runs', 'job:device-meta'] as const;

type Starter = <C extends Component>(c: C, stop?: () => Promise<void>) => Promise<C>;

/** Starts the background jobs this process's `--only` list brings (see JOB_HOMES), each with its lease. */
export async function startJobs(parts: StackParts, only: ReadonlySet<ComponentName>, start: Starter): Promise<void> {
  const { config, registry, directory, clock, log, influxUrl, usageStore } = parts;
  const has = (job: keyof typeof JOB_HOMES) => JOB_HOMES[job].some((c) => only.has(c));
  // One owner per stack: the node's name, told apart from another stack of the same node (a restart, a test).
  const owner = leaseOwner(config.node.name || defaultNodeName());
  const lease = (name: (typeof JOB_LEASES)[number]) => new JobLease({ registry, name, owner, ttlMs: config.jobs.leaseMs, log });
  if (has('alerts')) {
    const listeners = parts.alertListeners ?? [];
    parts.alerts = await start(new AlertEngine({ config, registry, directory, clock, log, listeners, lease: lease('job:alerts') }));
    if (config.alerts.enabled) parts.notifications = await start(new NotificationDispatcher({ config, registry, log, clock, leaseMs: config.jobs.leaseMs }));
  }
  if (has('usage')) {
    parts.usage = await start(new UsageLoop({ config, influxUrl, registry, store: usageStore, log, clock, lease: lease('job:usage') }));
    const queries = new UsageQueries(influxClient(influxUrl, config.influx), config.influx.database);
    parts.reports = await start(new MonthlyReports({ config, registry, store: usageStore, queries, log, clock, lease: lease('job:reports') }));
  }
  if (has('scheduler')) {
    parts.runWatcher = await start(new RunWatcher({ config, registry, clock, log, lease: lease('job:command-runs') }));
    // A schedule fires on its owner's rights of today: the same permission table as every route.
    parts.scheduler = await start(new Scheduler({ config, registry, clock, log, mayCommand: (user, school) => can(user, 'commands.send', school), lease: lease('job:scheduler') }));
  }
}
