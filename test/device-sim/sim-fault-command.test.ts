import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_FILE, FAULT_NAMES, simDeviceId, type ControlInfo } from '../../device-sim/index.js';
import { systemClock } from '../../lib/clock.js';
import { tempDir } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { on, openWire } from './fault-wire.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/edufleet.mjs');

function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => { out.stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out.stderr += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exited };
}

/** Runs the CLI to its end; resolves with its exit code and what it wrote. */
async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = start(args);
  const code = await p.exited;
  return { code, ...p.out };
}

const SCENARIO = {
  seed: 2, intervalS: 0.5,
  faults: { offlinePerHour: 0, batteryDrainPerHour: 0, overheatPerHour: 0, badReadingPerHour: 0, dyingBatteryPerHour: 0, flappingWifiPerHour: 0, stuckSensorPerHour: 0, clockSkewPerHour: 0, silentPerHour: 0, errorBurstPerHour: 0 },
  districts: [{ code: 'BAT-XAT', name: 'Huyện Bát Xát' }],
  schools: [{ code: 'LC-THCS-009', name: 'Trường THCS Cốc Lếu', level: 'thcs', district: 'BAT-XAT', sites: [
    { name: 'Điểm chính', rooms: [{ code: 'P01', name: 'Phòng học thông minh 1', type: 'smart_classroom', devices: { board: 1, sensor: 1 } }] },
  ] }],
};
const BOARD = simDeviceId('LC-THCS-009', 'P01', 'board', 1);
const SENSOR = simDeviceId('LC-THCS-009', 'P01', 'sensor', 1);

describe('edufleet sim fault', () => {
  const dir = tempDir();
  const other = tempDir();
  let wire: Awaited<ReturnType<typeof openWire>>;
  let sim: ReturnType<typeof start>;
  beforeAll(async () => {
    wire = await openWire(() => systemClock);
    writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify(SCENARIO));
    sim = start(['--data-dir', dir, 'sim', '--scenario', path.join(dir, 'scenario.json'), '--broker', wire.url]);
    await waitFor('the control port announced', () => existsSync(path.join(dir, CONTROL_FILE)), 60_000);
    await waitFor('readings of both devices', () => on(wire.messages, BOARD, 'telemetry').length > 0 && on(wire.messages, SENSOR, 'telemetry').length > 0, 30_000);
  });
  afterAll(async () => {
    if (sim.child.exitCode === null) sim.child.kill('SIGKILL');
    await wire.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  });

  it('overheats a board of the running simulator and says which device got the fault', async () => {
    const from = wire.messages.length;
    const r = await run(['--data-dir', dir, 'sim', 'fault', BOARD, 'overheat', '--for', '10m']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Đã gây lỗi «quá nhiệt» trong 10 phút cho 1 thiết bị (overheat: overheats, 10 min, 1 device):');
    expect(r.stdout).toContain(`  ${BOARD}`);
    await waitFor('a board reading above 60 °C', () => on<{ temperature: number }>(wire.messages, BOARD, 'telemetry', from).some((x) => x.temperature > 60));
  });

  it('refuses a POST to the control port without the token of its 0600 control file, or with another token', async () => {
    const file = path.join(dir, CONTROL_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const info = JSON.parse(readFileSync(file, 'utf8')) as ControlInfo;
    const post = (headers: Record<string, string>) => fetch(`${info.url}/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ target: BOARD, fault: 'offline' }),
    });
    const from = wire.messages.length;
    for (const headers of [{}, { authorization: 'Bearer not-the-token' }, { authorization: info.token }] as Record<string, string>[]) {
      const res = await post(headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'EDUFLEET_ERR_SIM_TOKEN' });
    }
    // The board was not taken offline: it goes on publishing.
    await waitFor('more readings of the board', () => on(wire.messages, BOARD, 'telemetry', from).length > 0);
  });

  it('aims at a room by its code and sends a burst of error events from each of its devices', async () => {
    const from = wire.messages.length;
    const r = await run(['--data-dir', dir, 'sim', 'fault', 'p01', 'error-burst', '--for', '2s']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cho 2 thiết bị/);
    const errors = (id: string) => on<{ type: string }>(wire.messages, id, 'event', from).filter((e) => e.type === 'error').length;
    await waitFor('three error events from each device', () => errors(BOARD) >= 3 && errors(SENSOR) >= 3);
  });

  it('names the faults for an unknown one, the targets for an unknown one, and how to start a simulator when none runs', async () => {
    const bad = await run(['--data-dir', dir, 'sim', 'fault', BOARD, 'melt']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('EDUFLEET_ERR_SIM_FAULT');
    expect(bad.stderr).toContain(FAULT_NAMES.join(', '));
    const nobody = await run(['--data-dir', dir, 'sim', 'fault', 'sim-nope', 'overheat']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/EDUFLEET_ERR_SIM_TARGET: .*'sim-nope'/);
    const wrongKind = await run(['--data-dir', dir, 'sim', 'fault', BOARD, 'stuck-sensor']);
    expect(wrongKind.stderr).toMatch(/EDUFLEET_ERR_SIM_FAULT: .*sensor/);
    const badFor = await run(['--data-dir', dir, 'sim', 'fault', BOARD, 'overheat', '--for', 'soon']);
    expect(badFor.stderr).toMatch(/EDUFLEET_ERR_SIM_FAULT: .*--for/);
    const none = await run(['--data-dir', other, 'sim', 'fault', BOARD, 'overheat']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/EDUFLEET_ERR_SIM_NOT_RUNNING: .*`edufleet sim/);
  });

  it('removes its control file when it stops', async () => {
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
    expect(existsSync(path.join(dir, CONTROL_FILE))).toBe(false);
    const after = await run(['--data-dir', dir, 'sim', 'fault', BOARD, 'overheat']);
    expect(after.stderr).toContain('EDUFLEET_ERR_SIM_NOT_RUNNING');
  });
});
