import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '../config/index.js';
import { backfill, provinceScenario, startProgress, type BackfillProgress, type Scenario, type SimDevice } from '../device-sim/index.js';
import { createLogger } from '../lib/logger.js';
import { topics } from '../protocol/index.js';
import { addDays, localDate } from '../timetable/index.js';
import { startProcess, stopOnSignal } from './process.js';
import { startSimulator } from './sim.js';
import type { Stack } from './stack.js';

export interface DemoOptions {
  /** Days of past use to backfill and analyse before the live simulation, so planners have history to look at. */
  historyDays: number;
  /** About how many simulated devices. */
  devices: number;
  /** Seed of the generated province. */
  seed: number;
}

/** A device of its own for the user to publish to by hand, so that the printed mosquitto_pub line works as it is. */
async function handDevice(stack: Stack): Promise<{ id: string; secret: string } | undefined> {
  const id = 'demo-sensor';
  const reg = stack.registry;
  const [room] = await reg.rooms();
  if (!room) return undefined;
  const secret = (await reg.device(id)) ? await reg.rotateSecret(id) : (await reg.addDevice({ id, kind: 'sensor', roomId: room.id, name: 'Cảm biến thử (mosquitto_pub)' })).secret!;
  return { id, secret };
}

interface DemoTechnician { username: string; password: string; schoolName: string; boardId: string | undefined }

function banner(stack: Stack, config: Readonly<Config>, password: string, hand: { id: string; secret: string } | undefined, tech?: DemoTechnician): string {
  const port = stack.broker!.port;
  const lines = [
    '',
    'EduFleet demo is running.',
    `  Dashboard:  ${stack.dashboard?.url ?? '(not started)'}`,
    `  Login:      admin / ${password}`,
    ...(tech ? [`  Technician: ${tech.username} / ${tech.password}  (${tech.schoolName} only: lands on its device health)`] : []),
    `  MQTT:       mqtt://localhost:${port}  (WebSocket ws://localhost:${stack.broker!.wsPort}/mqtt)`,
    `  InfluxDB:   ${stack.influxUrl}  (database ${config.influx.database})`,
  ];
  if (hand) {
    lines.push(
      `  Try:        mosquitto_pub -h localhost -p ${port} -i ${hand.id} -u ${hand.id} -P '${hand.secret}' -q 1 \\`,
      `                -t ${topics.telemetry(hand.id)} -m '{"temperature":31.5,"co2":1250,"occupancy":38}'`,
      `              (device ${hand.id}: a sensor in the first room; a wrong field, e.g. '{"temperature":"hot"}', is rejected)`,
    );
  }
  if (tech?.boardId) lines.push(`  Fault:      edufleet sim fault ${tech.boardId} overheat --for 10m   (an alert in the technician's inbox)`);
  lines.push('  Stop:       Ctrl-C', '');
  return lines.join('\n');
}

/**
 * Backfills the last `days` days of the demo province (readings every 5 minutes, no faults) and analyses them, so
 * the room-usage screens have weeks to show from the first minute.
 */
async function demoHistory(stack: Stack, scenario: Scenario, devices: SimDevice[], days: number, signal: AbortSignal): Promise<void> {
  const to = localDate(Date.now());
  const from = addDays(to, -days);
  const started = Date.now();
  let p: BackfillProgress | undefined;
  const progress = startProgress(() => (p ? `history ${from} – ${to}: ${p.readingsAcked.toLocaleString('en-US')}/${p.readingsTotal.toLocaleString('en-US')} readings` : 'history: preparing'));
  try {
    await backfill({ brokerUrl: `mqtt://127.0.0.1:${stack.broker!.port}`, devices, scenario, from, to, intervalS: 300, signal, onProgress: (x) => { p = x; } });
  } finally {
    progress.stop();
  }
  if (signal.aborted || !stack.usage) return;
  // The gateway acknowledges once a reading is spooled; let the spool reach InfluxDB before analysing.
  for (const deadline = Date.now() + 120_000; (stack.gateway?.pendingBytes() ?? 0) > 0 && Date.now() < deadline;) await delay(200);
  const days_ = await stack.usage.analyser.analyseDays(from, addDays(to, 1));
  process.stderr.write(`history: ${days} day(s) of room use backfilled and analysed in ${Math.round((Date.now() - started) / 1000)} s (${days_.reduce((a, d) => a + d.intervals, 0)} intervals of use)\n`);
}

/** Creates (or resets) the admin with a fresh password, printed in the banner. */
async function demoAdmin(stack: Stack): Promise<string> {
  const password = randomBytes(9).toString('base64url');
  if (await stack.registry.userByName('admin')) await stack.registry.setPassword('admin', password);
  else await stack.registry.addUser({ username: 'admin', password, role: 'admin', displayName: 'Quản trị Sở GDĐT' });
  return password;
}

/** A technician of the first school (created or reset with a fresh password): the person issue 10's screens are for. */
async function demoTechnician(stack: Stack, devices: SimDevice[]): Promise<DemoTechnician | undefined> {
  const [school] = await stack.registry.schools();
  if (!school) return undefined;
  const username = 'ktv.demo';
  const password = randomBytes(9).toString('base64url');
  const existing = await stack.registry.userByName(username);
  if (existing) await stack.registry.updateUser(existing.id, { password, scope: { schoolIds: [school.id] }, role: 'technician', disabled: false });
  else await stack.registry.addUser({ username, password, role: 'technician', displayName: `Kỹ thuật viên ${school.name}`, scope: { schoolIds: [school.id] } });
  const rooms = new Set((await stack.registry.rooms({ schoolIds: [school.id] })).map((r) => r.id));
  const board = devices.find((d) => d.kind === 'board' && rooms.has(d.roomId));
  return { username, password, schoolName: school.name, boardId: board?.id };
}

/**
 * `edufleet demo`: the whole stack, an admin, and a simulated province whose simulator is one of the stack's
 * components (on /healthz, stopped first). Runs until Ctrl-C.
 */
export async function runDemo(config: Readonly<Config>, o: DemoOptions): Promise<void> {
  const shutdown = stopOnSignal();
  // A demo on a laptop is clear text on every address by design: no warning to teach people to ignore.
  const stack = await startProcess({ config, log: createLogger(config.logLevel), clearTextWarning: false });
  shutdown.onStop(() => stack.stop());
  if (shutdown.signal.aborted) return;
  const password = await demoAdmin(stack);
  // Faults five times as often as the default, so that a demo shows technicians something to look at within a minute.
  const scenario = provinceScenario({ devices: o.devices, seed: o.seed, faultRate: 5 });
  await startSimulator({
    config, scenario, brokerUrl: `mqtt://127.0.0.1:${stack.broker!.port}`, registry: stack.registry, shutdown,
    adopt: (sim, stop) => stack.add(sim, stop),
    beforeConnect: async (devices) => {
      const hand = await handDevice(stack).catch((err: Error) => {
        process.stderr.write(`no demo-sensor for mosquitto_pub: ${err.message}\n`);
        return undefined;
      });
      const tech = await demoTechnician(stack, devices).catch((err: Error) => {
        process.stderr.write(`no demo technician: ${err.message}\n`);
        return undefined;
      });
      console.log(banner(stack, config, password, hand, tech));
      if (o.historyDays > 0) await demoHistory(stack, scenario, devices, o.historyDays, shutdown.signal);
    },
  });
}
