import { afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { InfluxDB } from 'influx';
import { startStack, type ComponentName as Component, type DashboardFactory, type Stack } from '../../app/stack.js';
import { loadConfig, type Config, type DeepPartial } from '../../config/index.js';
import type { RegistryStore } from '../../registry/index.js';
import { testInfluxClient } from './influx.js';

export interface TestStack extends Stack {
  dir: string;
  /** A client of the stack's InfluxDB, authenticated with its credential (the managed one's, or the configured one). */
  influx: InfluxDB;
  mqttUrl: string;
  /** Stops everything and removes the temporary directory. */
  close(): Promise<void>;
}

export function tempDir(prefix = 'edufleet-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A whole EduFleet (own influxd, broker, gateway) on free loopback ports in a temporary directory. */
export async function startTestStack(opts: { overrides?: DeepPartial<Config>; only?: Component[]; dashboard?: DashboardFactory; dir?: string } = {}): Promise<TestStack> {
  const dir = opts.dir ?? tempDir();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: dir,
      logLevel: 'warn',
      ...opts.overrides,
      mqtt: { host: '127.0.0.1', port: 0, wsPort: 0, ...opts.overrides?.mqtt },
      // Many logins from one loopback address within a minute are a test file's set-up, not an attack
      // (test/dashboard/security.test.ts sets its own limits).
      dashboard: { host: '127.0.0.1', port: 0, liveIntervalMs: 200, loginsPerAddressPerMin: 10_000, loginsPerUserPerMin: 10_000, ...opts.overrides?.dashboard },
      usage: { analyseIntervalMs: 0, ...opts.overrides?.usage },
      gateway: { flushIntervalMs: 50, ...opts.overrides?.gateway },
      // Signals reach the registry within a fifth of a second, so tests that wait on them wait little.
      alerts: { flushMs: 200, ...opts.overrides?.alerts },
    },
  });
  const stack = await startStack({ config, only: opts.only, dashboard: opts.dashboard });
  const influx = testInfluxClient(stack, config.influx.database);
  return {
    ...stack,
    dir,
    influx,
    mqttUrl: `mqtt://127.0.0.1:${stack.broker?.port ?? 0}`,
    async close() {
      await stack.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A minimal province: one district, one school, one site, one smart classroom. */
export async function seedSchool(registry: RegistryStore, code = 'LC-THPT-CHUYEN') {
  const district = await registry.ensureDistrict({ code: 'TP-LAO-CAI', name: 'Thành phố Lào Cai' });
  const school = await registry.ensureSchool({ code, name: 'Trường THPT Chuyên Lào Cai', level: 'thpt', districtId: district.id, pupils: 1200 });
  const site = await registry.ensureSite({ schoolId: school.id, name: 'Điểm chính' });
  const room = await registry.ensureRoom({ siteId: site.id, code: 'P.TM1', name: 'Phòng học thông minh 1', type: 'smart_classroom', capacity: 40 });
  return { district, school, site, room };
}

/** Connects an MQTT client; resolves on CONNACK success, rejects with the refusal. */
export function connectDevice(url: string, deviceId: string, secret: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { clientId: deviceId, username: deviceId, password: secret, reconnectPeriod: 0, connectTimeout: 5000, ...extra });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => { c.end(true); reject(err); });
    c.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** Resolves with the CONNACK refusal code of a connection attempt, or 'accepted'. */
export function refusalCode(url: string, clientId: string, username: string, password: string): Promise<number | string> {
  return connectDevice(url, clientId, password, { username }).then(
    (c) => { c.end(true); return 'accepted'; },
    (err: Error & { code?: number }) => err.code ?? err.message,
  );
}

/**
 * Starts a test stack before the file's tests and closes it after them. Returns a stand-in that forwards to the
 * stack once it has started, so a test reads `s.registry` as if it held the stack itself.
 */
export function useTestStack(opts: Parameters<typeof startTestStack>[0] = {}): TestStack {
  let stack: TestStack | undefined;
  beforeAll(async () => {
    stack = await startTestStack(opts);
  });
  afterAll(async () => {
    await stack?.close();
  });
  return new Proxy({} as TestStack, {
    get(_target, prop) {
      if (!stack) throw new Error('the test stack is used before beforeAll started it');
      return Reflect.get(stack, prop) as unknown;
    },
  });
}
