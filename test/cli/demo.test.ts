import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { exited } from '../helpers/process.js';
import { tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/edufleet.mjs');

interface Healthz { components: { name: string; state: string }[] }

describe('edufleet demo', () => {
  const dir = tempDir('edufleet-demo-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the simulator as a component of the stack (on /healthz) and stops cleanly on SIGTERM', async () => {
    const env = {
      ...process.env, EDUFLEET_LOG_LEVEL: 'warn', EDUFLEET_MQTT_HOST: '127.0.0.1', EDUFLEET_MQTT_PORT: '0', EDUFLEET_MQTT_WS_PORT: '0',
      EDUFLEET_DASHBOARD_HOST: '127.0.0.1', EDUFLEET_DASHBOARD_PORT: '0',
    };
    const child = spawn(process.execPath, [BIN, '--data-dir', dir, 'demo', '--devices', '20', '--history-days', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    try {
      const url = await waitFor('the demo banner', () => /Dashboard:\s+(http:\/\/\S+)/.exec(out)?.[1], 60_000);
      const health = await waitFor('the simulator on /healthz', async () => {
        const h = (await (await fetch(`${url}/healthz`)).json()) as Healthz;
        return h.components.some((c) => c.name === 'simulator' && c.state === 'ok') ? h : undefined;
      }, 60_000);
      expect(health.components.map((c) => c.name)).toEqual(['influxd', 'directory', 'gateway', 'device-meta', 'integration-accounts', 'broker', 'alerts', 'notifications', 'usage', 'reports', 'command-runs', 'scheduler', 'dashboard', 'simulator']);
      // The technician of one school the banner names logs in and sees only that school's devices.
      const [, username, password] = /Technician:\s+(\S+) \/ (\S+)/.exec(out) ?? [];
      expect(username).toBe('ktv.demo');
      const login = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ username, password }) });
      expect(login.status).toBe(200);
      const me = (await login.json()) as { role: string; scope: { schoolIds?: number[] }; permissions: { readAlerts: boolean } };
      expect(me).toMatchObject({ role: 'technician', permissions: { readAlerts: true } });
      expect(me.scope.schoolIds).toHaveLength(1);
      expect(out).toMatch(/Fault:\s+edufleet sim fault \S+ overheat/);
      child.kill('SIGTERM');
      await exited(child);
      expect(child.exitCode).toBe(0);
      expect(err).toMatch(/SIGTERM: stopping/);
      expect(err).toMatch(/(\d+)\/\1 devices published their offline status and disconnected/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
