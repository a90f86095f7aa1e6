import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Config } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { SqliteRegistry } from '../registry/index.js';
import { loadScenario, provinceScenario, provision, Simulator, startProgress, type Scenario, type SimStats } from '../device-sim/index.js';
import { startStack } from './stack.js';

export interface DemoOptions { devices: number; seed: number }
export interface SimCommandOptions {
  scenarioFile?: string; devices: number; seed: number; brokerUrl: string; intervalS: number; faultRate: number; durationS?: number;
}

function onSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (sig: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`\n${sig}: stopping…\n`);
    stop().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1); });
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

function statsLine(s: SimStats, startedAt: number, lastAcked: { n: number; at: number }): string {
  const now = Date.now();
  const rate = ((s.acked - lastAcked.n) / Math.max(0.001, (now - lastAcked.at) / 1000));
  lastAcked.n = s.acked;
  lastAcked.at = now;
  const up = Math.round((now - startedAt) / 1000);
  return `sim ${up}s · connected ${s.connected}/${s.devices} · readings sent ${s.sent} · acked ${s.acked} (${rate.toFixed(0)}/s) · bad ${s.badSent} · offline faults ${s.faults.offline} · errors ${s.errors}`;
}

/** Provisions the scenario's devices and runs them until `stop` is called. */
async function runSimulator(config: Readonly<Config>, scenario: Scenario, brokerUrl: string): Promise<{ sim: Simulator; stop: () => Promise<void> }> {
  const registry = SqliteRegistry.inDataDir(config.dataDir);
  const credentials = path.join(config.dataDir, 'sim-credentials.json');
  process.stderr.write('provisioning simulated devices in the registry…\n');
  const devices = await provision(registry, scenario, credentials, (done, total) => process.stderr.write(`provisioned ${done}/${total} devices\n`));
  registry.close();
  const sim = new Simulator({ brokerUrl, devices, scenario });
  const startedAt = Date.now();
  const last = { n: 0, at: startedAt };
  const progress = startProgress(() => statsLine(sim.stats, startedAt, last));
  await sim.start();
  return { sim, stop: async () => { progress.stop(); await sim.stop(); } };
}

export async function runSim(config: Readonly<Config>, o: SimCommandOptions): Promise<void> {
  const scenario = o.scenarioFile ? loadScenario(o.scenarioFile) : provinceScenario({ devices: o.devices, seed: o.seed, intervalS: o.intervalS, faultRate: o.faultRate });
  const { stop } = await runSimulator(config, scenario, o.brokerUrl);
  if (o.durationS !== undefined) setTimeout(() => void stop().then(() => process.exit(0)), o.durationS * 1000);
  onSignal(stop);
}

export async function runDemo(config: Readonly<Config>, o: DemoOptions): Promise<void> {
  const { startDashboard } = await import('../dashboard/server/index.js');
  const stack = await startStack({ config, dashboard: startDashboard, log: createLogger(config.logLevel) });
  const password = randomBytes(9).toString('base64url');
  if (stack.registry.userByName('admin')) await stack.registry.setPassword('admin', password);
  else await stack.registry.addUser({ username: 'admin', password, role: 'admin', displayName: 'Quản trị Sở GDĐT' });
  // Faults five times as often as the default, so that a demo shows technicians something to look at within a minute.
  const scenario = provinceScenario({ devices: o.devices, seed: o.seed, faultRate: 5 });
  const { stop } = await runSimulator(config, scenario, `mqtt://127.0.0.1:${stack.broker!.port}`);
  console.log([
    '',
    'EduFleet demo is running.',
    `  Dashboard:  ${stack.dashboard?.url ?? '(not started)'}`,
    `  Login:      admin / ${password}`,
    `  MQTT:       mqtt://localhost:${stack.broker!.port}  (WebSocket ws://localhost:${stack.broker!.wsPort}/mqtt)`,
    `  InfluxDB:   ${stack.influxUrl}  (database ${config.influx.database})`,
    '  Try:        npx edufleet device add --kind sensor --room 1 --json, then mosquitto_pub as in docs/protocol.md',
    '  Stop:       Ctrl-C',
    '',
  ].join('\n'));
  onSignal(async () => {
    await stop();
    await stack.stop();
  });
}
