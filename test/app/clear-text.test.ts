/**
 * The warning at every start while clear-text MQTT or HTTP listens where other hosts reach it (app/clear-text.ts):
 * what the process's logger receives, for listeners on 0.0.0.0 and on 127.0.0.1.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from '../../app/stack.js';
import { loadConfig, type Config, type DeepPartial } from '../../config/index.js';
import { startDashboard } from '../../dashboard/server/index.js';
import { ManagedInfluxd } from '../../lib/influx/index.js';
import { influxOptions } from '../helpers/influx.js';
import { captureLog } from '../helpers/log.js';
import { tempDir } from '../helpers/stack.js';
import { makeCertificates, type TestCertificates } from '../helpers/tls.js';

const WARN = 40;

describe('the clear-text warning at start', () => {
  const dir = tempDir();
  const influxd = new ManagedInfluxd(path.join(dir, 'influx'));
  let certs: TestCertificates;

  beforeAll(async () => {
    certs = await makeCertificates(dir);
    await influxd.start();
  });
  afterAll(async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts a broker, gateway and dashboard with these options, stops them, and returns the warnings logged. */
  async function warnings(overrides: DeepPartial<Config>, clearTextWarning?: boolean): Promise<{ msg: string; option: string }[]> {
    const log = captureLog();
    const config = loadConfig({ env: {}, overrides: {
      ...overrides, dataDir: tempDir(), influx: influxOptions(influxd),
      mqtt: { port: 0, wsPort: 0, tlsPort: 0, wssPort: 0, ...overrides.mqtt }, dashboard: { port: 0, ...overrides.dashboard },
    } });
    const stack = await startStack({ config, log: pino({ level: 'warn' }, log), only: ['broker', 'gateway', 'dashboard'], dashboard: startDashboard, clearTextWarning });
    await stack.stop();
    rmSync(config.dataDir, { recursive: true, force: true });
    return log.lines().filter((l) => l.level === WARN && typeof l.option === 'string').map((l) => ({ msg: String(l.msg), option: String(l.option) }));
  }

  it('warns once about clear-text MQTT on 0.0.0.0, naming mqtt.plainListeners, and not about a dashboard on 127.0.0.1', async () => {
    const w = await warnings({ mqtt: { host: '0.0.0.0' }, dashboard: { host: '127.0.0.1' } });
    expect(w).toEqual([{ option: 'mqtt.plainListeners', msg: expect.stringContaining('set mqtt.plainListeners=false') as string }]);
    expect(w[0]!.msg).toContain('clear-text MQTT listens on 0.0.0.0');
  });

  it('warns once about clear-text HTTP on 0.0.0.0, naming dashboard.tlsCertFile, and not about MQTT on 127.0.0.1', async () => {
    const w = await warnings({ mqtt: { host: '127.0.0.1' }, dashboard: { host: '0.0.0.0' } });
    expect(w).toEqual([{ option: 'dashboard.tlsCertFile', msg: expect.stringContaining('set dashboard.tlsCertFile and dashboard.tlsKeyFile') as string }]);
  });

  it('is silent on 0.0.0.0 once MQTT is TLS only and the dashboard serves HTTPS, and when turned off as `demo` does', async () => {
    const tlsOnly = await warnings({
      mqtt: { host: '0.0.0.0', plainListeners: false, tlsCertFile: certs.cert, tlsKeyFile: certs.key },
      dashboard: { host: '0.0.0.0', tlsCertFile: certs.cert, tlsKeyFile: certs.key },
    });
    expect(tlsOnly).toEqual([]);
    expect(await warnings({ mqtt: { host: '0.0.0.0' }, dashboard: { host: '0.0.0.0' } }, false)).toEqual([]);
  });
});
