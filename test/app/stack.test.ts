import { describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import type { DashboardFactory } from '../../app/stack.js';
import { startTestStack } from '../helpers/stack.js';

describe('the stack (app/)', () => {
  it('starts its components in order, stops them in reverse, and a second stop is harmless', async () => {
    const s = await startTestStack({ dashboard: startDashboard });
    expect(s.components.map((c) => c.name)).toEqual(['influxd', 'directory', 'gateway', 'device-meta', 'integration-accounts', 'broker', 'alerts', 'notifications', 'usage', 'reports', 'command-runs', 'scheduler', 'dashboard']);
    expect(s.health().every((h) => h.state === 'ok')).toBe(true);
    const order: string[] = [];
    for (const c of s.components) {
      const stop = c.stop.bind(c);
      c.stop = async () => { order.push(c.name); await stop(); };
    }
    await s.close();
    expect(order).toEqual(['dashboard', 'scheduler', 'command-runs', 'reports', 'usage', 'notifications', 'alerts', 'broker', 'integration-accounts', 'device-meta', 'gateway', 'directory', 'influxd']);
    expect(s.health().map((h) => h.state)).toEqual(Array(13).fill('stopped'));
    await s.stop();
    expect(order).toHaveLength(13);
  }, 60_000);

  it('runs a subset with --only, still with the shared parts', async () => {
    const s = await startTestStack({ only: ['broker', 'gateway'], dashboard: startDashboard });
    try {
      // A gateway node runs the alert engine too (docs/alerts.md).
      expect(s.components.map((c) => c.name)).toEqual(['influxd', 'directory', 'gateway', 'device-meta', 'integration-accounts', 'broker', 'alerts', 'notifications']);
      expect(s.alerts?.health().state).toBe('ok');
      expect(s.dashboard).toBeUndefined();
    } finally {
      await s.close();
    }
  }, 60_000);

  it('builds the dashboard in its factory and listens only when the stack starts it, in its turn', async () => {
    let built: { url: string; state: string } | undefined;
    const factory: DashboardFactory = async (parts) => {
      const handle = await startDashboard(parts);
      built = { url: handle.url, state: handle.health().state };
      return handle;
    };
    const s = await startTestStack({ dashboard: factory, only: ['dashboard'] });
    try {
      expect(built).toEqual({ url: '', state: 'starting' });
      expect(s.dashboard!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${s.dashboard!.url}/healthz`);
      expect(res.status).toBe(200);
      // A dashboard process is the home of the registry's background jobs and the usage analysis (app/jobs.ts).
      expect(s.components.map((c) => c.name)).toEqual(['influxd', 'directory', 'usage', 'reports', 'command-runs', 'scheduler', 'dashboard']);
    } finally {
      await s.close();
    }
  }, 60_000);
});
