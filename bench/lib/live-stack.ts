import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import type { InfluxCredentials } from '../../lib/influx/index.js';
import { openRegistryStore } from '../../registry/index.js';
import type { BenchDevice } from './fleet.js';
import { KIND } from './fleet.js';
import { OPEN_FILES, stopChild, type Cleanup } from './procs.js';
export { raiseOwnFileLimit } from './procs.js';
import { REPO_ROOT, shebangNodeArgs } from './servers.js';

/** docs/operations.md runs EduFleet with LimitNOFILE=65536; the bench process holds every device's socket too. */
export const LIVE_PASSWORD = 'mật-khẩu-bench-đủ-dài';
export const ADMIN = 'bench-admin';
export const TECHNICIAN = 'bench-ktv';

export interface LiveFleet {
  devices: BenchDevice[];
  schools: number;
  /** The device whose page the technician has open (in the technician's school); left out of the background load. */
  watched: BenchDevice;
}

const deviceId = (i: number) => `live-tab-${String(i).padStart(5, '0')}`;

/**
 * A province of `n` tablets, 100 per school over 4 rooms (200 schools in 10 districts for 20,000), an admin and a
 * technician of the first school, straight into the registry of `dataDir` before EduFleet starts on it.
 */
export async function provisionProvince(dataDir: string, n: number): Promise<LiveFleet> {
  const reg = await openRegistryStore({ dataDir });
  try {
    const schools = Math.max(1, Math.ceil(n / 100));
    const districts = Math.max(1, Math.ceil(schools / 20));
    const ids = await reg.ensurePlaces({
      districts: Array.from({ length: districts }, (_, d) => ({ code: `LIVE-D${d}`, name: `Huyện ${d + 1}` })),
      schools: Array.from({ length: schools }, (_, s) => ({
        code: `LIVE-S${s}`, name: `Trường ${s + 1}`, level: 'thcs' as const, district: `LIVE-D${s % districts}`, pupils: 800,
        sites: [{ name: 'Điểm chính', rooms: Array.from({ length: 4 }, (_, r) => ({ code: `P${r + 1}`, name: `Phòng ${r + 1}`, type: 'smart_classroom' as const, capacity: 40 })) }],
      })),
    });
    const rooms = ids.schools.map((s) => s.sites[0]!.rooms);
    const added = await reg.addDevices(Array.from({ length: n }, (_, i) => {
      const school = Math.floor(i / 100) % schools;
      return { kind: KIND, id: deviceId(i), roomId: rooms[school]![i % 4]!, name: `Máy tính bảng ${i + 1}` };
    }));
    await reg.addUser({ username: ADMIN, password: LIVE_PASSWORD, role: 'admin' });
    await reg.addUser({ username: TECHNICIAN, password: LIVE_PASSWORD, role: 'technician', scope: { schoolIds: [ids.schools[0]!.id] } });
    const devices = added.map(({ device, secret }) => ({ id: device.id, secret: secret!, tags: {} }));
    return { devices, schools, watched: devices[0]! };
  } finally {
    await reg.close();
  }
}

export interface LiveChild { mqttUrl: string; dashboardUrl: string; pid: number; stop(): Promise<void> }

/**
 * `edufleet start` with every component (broker, gateway, alerts, dashboard, usage, scheduler) on a fresh data
 * directory, under `prlimit --nofile=65536` as systemd would start it; resolves with the URLs it prints.
 */
export async function startLiveChild(o: { influxUrl: string; influxCredentials?: InfluxCredentials; database: string; dataDir: string; env?: Record<string, string>; prlimit: boolean }, cleanup: Cleanup): Promise<LiveChild> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('EDUFLEET_')) env[k] = v;
  Object.assign(env, {
    EDUFLEET_INFLUX_URL: o.influxUrl, EDUFLEET_INFLUX_DATABASE: o.database, EDUFLEET_DATA_DIR: o.dataDir,
    EDUFLEET_INFLUX_USERNAME: o.influxCredentials?.username ?? '', EDUFLEET_INFLUX_PASSWORD: o.influxCredentials?.password ?? '',
    EDUFLEET_MQTT_HOST: '127.0.0.1', EDUFLEET_MQTT_PORT: '0', EDUFLEET_MQTT_WS_PORT: '0',
    EDUFLEET_DASHBOARD_HOST: '127.0.0.1', EDUFLEET_DASHBOARD_PORT: '0', EDUFLEET_LOG_LEVEL: 'warn', ...o.env,
  });
  // prlimit execs node in place: the pid is EduFleet's own, for the CPU accounting.
  const node = [process.execPath, ...shebangNodeArgs(), path.join(REPO_ROOT, 'bin', 'edufleet.mjs'), 'start'];
  const [cmd, ...argv] = o.prlimit ? ['prlimit', `--nofile=${OPEN_FILES}:${OPEN_FILES}`, '--', ...node] : node;
  const child = spawn(cmd!, argv, {
    cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.track(child);
  const logFile = path.join(o.dataDir, 'edufleet.log');
  child.stderr.pipe(createWriteStream(logFile));
  const stop = cleanup.add('EduFleet (all components)', () => stopChild(child));
  try {
    const urls = await new Promise<{ mqttUrl: string; dashboardUrl: string }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`EduFleet did not print its URLs within 120 s; see ${logFile}`)), 120_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const mq = /MQTT:\s+mqtt:\/\/[^:\s]+:(\d+)/.exec(out);
        const dash = /Dashboard:\s+(\S+)/.exec(out);
        if (mq && dash) {
          clearTimeout(timer);
          resolve({ mqttUrl: `mqtt://127.0.0.1:${mq[1]}`, dashboardUrl: dash[1]! });
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`EduFleet exited (${code ?? signal}) before it listened:\n${out}`));
      });
    });
    return { ...urls, pid: child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
