/**
 * Every background job has a home in the documented split layout (docs/operations.md, "Background jobs"): a
 * `broker,gateway` node and two `dashboard` processes on one PostgreSQL registry and one InfluxDB. Each job runs in
 * exactly one of them: the node judges alerts and sends notifications, a dashboard does the rest, and of the two
 * dashboards the lease picks one; the other takes over when it stops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_LEASES } from '../../app/jobs.js';
import type { ComponentName } from '../../app/stack.js';
import { startDashboard } from '../../dashboard/server/index.js';
import type { ComponentHealth } from '../../lib/component.js';
import { influxOptions } from '../helpers/influx.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/** The component that does each leased job. */
const LEASED_BY: Record<(typeof JOB_LEASES)[number], string> = {
  'job:alerts': 'alerts', 'job:usage': 'usage', 'job:reports': 'reports', 'job:scheduler': 'scheduler', 'job:command-runs': 'command-runs',
  'job:device-meta': 'device-meta',
};
const JOBS = ['alerts', 'notifications', 'usage', 'reports', 'scheduler', 'command-runs'];

describe('background jobs in the split layout (broker,gateway + dashboard)', () => {
  let pg: TestPostgres;
  let node: TestStack;
  const dashboards: TestStack[] = [];

  beforeAll(async () => {
    pg = await startPostgres();
    const url = await pg.createDatabase();
    const overrides = { registry: { url }, jobs: { leaseMs: 3000 } };
    node = await startTestStack({ only: ['broker', 'gateway'], overrides });
    // The dashboards use the node's InfluxDB, as a second machine would; reports get a mail server so that they run.
    const dashboard = { only: ['dashboard'] as ComponentName[], dashboard: startDashboard, overrides: {
      ...overrides, influx: influxOptions(node), usage: { analyseIntervalMs: 60_000 }, reports: { smtpUrl: 'smtp://127.0.0.1:9' },
    } };
    dashboards.push(await startTestStack(dashboard), await startTestStack(dashboard));
  });
  afterAll(async () => {
    for (const d of dashboards) await d.close();
    await node?.close();
    await pg?.stop();
  });

  const jobsOf = (s: TestStack) => s.health().filter((h) => JOBS.includes(h.name));
  const holding = (s: TestStack) => s.health().filter((h) => h.details?.leaseHeld === true).map((h) => h.name).sort();

  it('runs each background job in exactly one process: alerts and notifications on the node, the rest on one dashboard', async () => {
    const [one, two] = dashboards as [TestStack, TestStack];
    expect(jobsOf(node).map((h) => h.name)).toEqual(['alerts', 'notifications']);
    for (const d of [one, two]) expect(jobsOf(d).map((h) => h.name)).toEqual(['usage', 'reports', 'command-runs', 'scheduler']);

    // Every singleton job's lease is held, by the process whose component says it holds it, and by one only.
    const leases = await waitFor('every job lease taken', async () => {
      const rows = (await node.registry.leases()).filter((l) => l.expiresAt > Date.now());
      return rows.length === JOB_LEASES.length ? rows : undefined;
    });
    for (const lease of leases) {
      const component = LEASED_BY[lease.name as keyof typeof LEASED_BY];
      const holders = [node, one, two].filter((s) => s.health().some((h) => h.name === component && h.details?.leaseHeld === true && h.details.leaseOwner === lease.owner));
      expect(holders, lease.name).toHaveLength(1);
    }
    expect(holding(node)).toEqual(['alerts', 'device-meta']);
    const [leader, standby] = holding(one).length ? [one, two] : [two, one];
    expect(holding(leader)).toEqual(['command-runs', 'reports', 'scheduler', 'usage']);
    expect(holding(standby)).toEqual([]);
    // Operators see it on /healthz.
    const body = await (await fetch(`${leader.dashboard!.url}/healthz`)).json() as { components: ComponentHealth[] };
    expect(body.components.find((c) => c.name === 'scheduler')?.details).toMatchObject({ lease: 'job:scheduler', leaseHeld: true });
  });

  it('hands the dashboard\'s jobs to the other dashboard when the one holding them stops', async () => {
    const [leader, standby] = holding(dashboards[0]!).length ? dashboards as [TestStack, TestStack] : [dashboards[1]!, dashboards[0]!];
    await leader.stop();
    await waitFor('the other dashboard to take the jobs over', () => holding(standby).length === 4, 30_000);
    expect(holding(standby)).toEqual(['command-runs', 'reports', 'scheduler', 'usage']);
    const owners = new Set((await node.registry.leases()).filter((l) => l.name !== 'job:alerts' && l.name !== 'job:device-meta').map((l) => l.owner));
    expect(owners).toEqual(new Set([standby.health().find((h) => h.name === 'scheduler')!.details!.leaseOwner]));
  });
});
