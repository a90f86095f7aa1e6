import { Command, Option } from 'commander';
import { brokerPublicUrl, loadConfig, type DeepPartial, type Config } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { EdufleetError } from '../lib/errors.js';
import { DEVICE_KINDS } from '../protocol/index.js';
import { ROLES, type RegistryStore, type Role } from '../registry/index.js';
import { startProcess, stopOnSignal } from '../app/process.js';
import { ALL_COMPONENTS, type ComponentName } from '../app/stack.js';
import { runDemo } from '../app/demo.js';
import { registerSimCommands } from './sim-commands.js';
import { registerImportCommands } from './import-commands.js';
import { openStore } from '../app/open-store.js';
import { registerPlacesCommands } from './places-commands.js';
import { registerTimetableCommands } from './timetable-commands.js';
import { registerUsageCommands } from './usage-commands.js';
import { registerNodeCommands } from './node-commands.js';
import { registerEdgeCommands } from './edge-commands.js';
import { registerIntegrationCommands } from './integration-commands.js';

const program = new Command('edufleet')
  .description('EduFleet: smart-classroom device fleet manager (MQTT broker, gateway to InfluxDB, live dashboard, simulator)')
  .option('-c, --config <file>', 'JSON configuration file (default ./edufleet.json when present)')
  .option('--data-dir <dir>', 'data directory (registry, spool, managed InfluxDB)')
  .showHelpAfterError();

function config(extra: DeepPartial<Config> = {}): Readonly<Config> {
  const o = program.opts<{ config?: string; dataDir?: string }>();
  return loadConfig({ file: o.config, overrides: { ...(o.dataDir ? { dataDir: o.dataDir } : {}), ...extra } });
}

function registry(): Promise<RegistryStore> {
  return openStore(config());
}

/** Runs `fn` on the registry and closes it, also when `fn` fails. */
async function withRegistry<T>(fn: (reg: RegistryStore) => Promise<T>, cfg = config()): Promise<T> {
  const reg = await openStore(cfg);
  try {
    return await fn(reg);
  } finally {
    await reg.close();
  }
}

program.command('start')
  .description('run the broker, gateway and dashboard (and a managed InfluxDB unless EDUFLEET_INFLUX_URL is set)')
  .addOption(new Option('--only <components>', `comma-separated subset of ${ALL_COMPONENTS.join(',')}`))
  .option('--edge', 'run as a school\'s edge node (edge.enabled; docs/edge.md): forward log and uplink to the province')
  .action(async (o: { only?: string; edge?: boolean }) => {
    const only = o.only ? (o.only.split(',').map((s) => s.trim()) as ComponentName[]) : undefined;
    const cfg = config(o.edge ? { edge: { enabled: true } } : {});
    const stack = await startProcess({ config: cfg, only, log: createLogger(cfg.logLevel) });
    if (stack.broker) console.log(`MQTT:       mqtt://localhost:${stack.broker.port}  (WebSocket ws://localhost:${stack.broker.wsPort}/mqtt)`);
    if (stack.broker?.tlsPort) console.log(`MQTT (TLS): mqtts://localhost:${stack.broker.tlsPort}  (secure WebSocket wss://localhost:${stack.broker.wssPort}/mqtt)`);
    console.log(`InfluxDB:   ${stack.influxUrl}`);
    if (stack.dashboard) console.log(`Dashboard:  ${stack.dashboard.url}`);
    if (stack.management) console.log(`Management: ${stack.management.url}  (/healthz, /metrics)`);
    // SIGHUP reloads the TLS certificates (certbot's deploy hook, `systemctl reload`); devices stay connected.
    stopOnSignal(stack.stop, () => void stack.reloadTls());
  });

program.command('demo')
  .description('start everything plus a simulated province, create an admin and print the login')
  .option('--devices <n>', 'about how many simulated devices', '600')
  .option('--seed <n>', 'random seed of the simulated province', '1')
  .option('--history-days <n>', 'days of past room use to backfill and analyse first (0: none)', '14')
  .action(async (o: { devices: string; seed: string; historyDays: string }) => {
    await runDemo(config(), { devices: Number(o.devices), seed: Number(o.seed), historyDays: Number(o.historyDays) });
  });

registerSimCommands(program, () => config());

const device = program.command('device').description('device records and MQTT credentials');

device.command('add')
  .description('register a device and print its id and secret (shown once)')
  .requiredOption('--kind <kind>', `one of ${DEVICE_KINDS.join(', ')}`)
  .requiredOption('--room <id>', 'room id (see `edufleet room list`)')
  .option('--name <name>', 'display name')
  .option('--id <id>', 'device id (default: generated)')
  .option('--code <code>', "the school's asset code")
  .option('--model <model>').option('--serial <serial>')
  .option('--json', 'print JSON for scripts')
  .action(async (o: { kind: string; room: string; name?: string; id?: string; code?: string; model?: string; serial?: string; json?: boolean }) => {
    const { device: d, secret } = await withRegistry((reg) => reg.addDevice({ kind: o.kind, roomId: Number(o.room), name: o.name, id: o.id, code: o.code, model: o.model, serial: o.serial }));
    if (o.json) console.log(JSON.stringify({ id: d.id, secret, kind: d.kind, roomId: d.roomId }));
    else console.log(`device id: ${d.id}\nsecret:    ${secret}\n(the secret is shown only this once; MQTT username = client id = device id, password = secret)`);
  });

device.command('list')
  .description('list devices')
  .option('--school <id>', 'only this school').option('--kind <kind>').option('-q, --query <text>')
  .option('--revoked', 'include revoked devices').option('--json')
  .action(async (o: { school?: string; kind?: string; query?: string; revoked?: boolean; json?: boolean }) => {
    const { total, devices } = await withRegistry((reg) => reg.listDevices({ schoolId: o.school ? Number(o.school) : undefined, kind: o.kind as never, q: o.query, includeRevoked: o.revoked }));
    if (o.json) return console.log(JSON.stringify(devices));
    for (const d of devices) console.log([d.id, d.kind, `room ${d.roomId}`, d.name, d.revokedAt ? 'REVOKED' : ''].join('\t'));
    console.log(`${total} device(s)`);
  });

device.command('revoke <id>')
  .description('revoke a device: it is refused from now on, and dropped if connected')
  .action(async (id: string) => {
    await withRegistry((reg) => reg.revokeDevice(id));
    console.log(`device ${id} revoked`);
  });

device.command('rotate <id>')
  .description('issue a new secret (the old one stops working at once)')
  .option('--json')
  .action(async (id: string, o: { json?: boolean }) => {
    const secret = await withRegistry((reg) => reg.rotateSecret(id));
    console.log(o.json ? JSON.stringify({ id, secret }) : `device id: ${id}\nsecret:    ${secret}`);
  });

device.command('labels')
  .description('print A4 labels with QR codes (device id, broker address) for the devices of a room or a school, as PDF')
  .option('--room <id>', 'devices of this room').option('--school <id>', 'devices of this school')
  .requiredOption('--out <file.pdf>', 'where to write the PDF')
  .action(async (o: { room?: string; school?: string; out: string }) => {
    const cfg = config();
    const { devices, places } = await withRegistry(async (reg) => {
      const list = (await reg.listDevices({ roomId: o.room ? Number(o.room) : undefined, schoolId: o.school ? Number(o.school) : undefined })).devices;
      return { devices: list, places: await reg.roomPlaces(list.map((d) => d.roomId)) };
    }, cfg);
    const { labelsPdf } = await import('../dashboard/server/labels-pdf.js');
    const broker = brokerPublicUrl(cfg);
    const pdf = await labelsPdf(devices.map((d) => ({ deviceId: d.id, name: d.name, schoolName: places.get(d.roomId)?.schoolName ?? '', roomName: places.get(d.roomId)?.roomName ?? '' })), broker);
    (await import('node:fs')).writeFileSync(o.out, pdf);
    console.log(`${devices.length} label(s) written to ${o.out} (broker ${broker})`);
  });

program.command('room').description('rooms').command('list')
  .description('list rooms with their ids').option('--json')
  .action(async (o: { json?: boolean }) => {
    const { rooms, schools } = await withRegistry(async (reg) => ({ rooms: await reg.rooms(), schools: new Map((await reg.schools()).map((s) => [s.id, s.name])) }));
    if (o.json) return console.log(JSON.stringify(rooms));
    for (const r of rooms) console.log([r.id, r.code, r.name, r.type, schools.get(r.schoolId)].join('\t'));
  });

const user = program.command('user').description('dashboard users');
user.command('add')
  .description('create a user')
  .requiredOption('--username <name>')
  .requiredOption('--role <role>', ROLES.join(' | '))
  .option('--password <password>', 'at least 8 characters (default: generated and printed)')
  .option('--name <display name>')
  .option('--district <ids>', 'scope: comma-separated district ids')
  .option('--school <ids>', 'scope: comma-separated school ids')
  .action(async (o: { username: string; role: string; password?: string; name?: string; district?: string; school?: string }) => {
    const ids = (s?: string) => (s ? s.split(',').map(Number) : undefined);
    const password = o.password ?? (await import('node:crypto')).randomBytes(9).toString('base64url');
    const u = await withRegistry((reg) => reg.addUser({ username: o.username, password, role: o.role as Role, displayName: o.name, scope: { districtIds: ids(o.district), schoolIds: ids(o.school) } }));
    console.log(`user ${u.username} (${u.role}) created${o.password ? '' : `; password: ${password}`}`);
  });

registerImportCommands(program, registry);
registerPlacesCommands(program, registry);
registerUsageCommands(program, () => config());
registerNodeCommands(program, () => config());
registerEdgeCommands(program, () => config());
registerIntegrationCommands(program, () => config());
registerTimetableCommands(program, registry);

program.parseAsync().catch((err: unknown) => {
  if (err instanceof EdufleetError) console.error(`${err.code}: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
