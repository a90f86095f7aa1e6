import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario, simDeviceId } from '../../device-sim/index.js';
import { useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/edufleet.mjs');

/** Runs the CLI to its end; resolves with its exit code and what it wrote. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('edufleet sim', () => {
  const s = useTestStack();

  it('provisions a scenario file, runs it against the broker for the given duration and says goodbye for every device', async () => {
    const file = 'scenarios/small-district.json';
    // A room sensor: it is online day and night, where a board sleeps when the school is closed.
    const school = loadScenario(file).schools[0]!;
    const room = school.sites[0]!.rooms.find((r) => r.devices.sensor)!;
    const sensor = simDeviceId(school.code, room.code, 'sensor', 1);
    const sim = run(['--data-dir', s.dir, 'sim', '--scenario', file, '--broker', s.mqttUrl, '--duration', '4']);
    await waitFor('a simulated sensor online at the gateway', () => s.gateway!.live.get(sensor)?.state === 'online', 30_000);
    const { code, stderr } = await sim;
    expect(code).toBe(0);
    expect(stderr).toMatch(/provisioning 59\/59 devices/);
    expect(stderr).toMatch(/59\/59 devices published their offline status and disconnected/);
    expect(await s.registry.device(sensor)).toMatchObject({ kind: 'sensor' });
    await waitFor('the sensor offline after the run', () => s.gateway!.live.get(sensor)?.state === 'offline');
  });

  it('refuses a scenario file with errors and names each of them', async () => {
    const { code, stderr } = await run(['--data-dir', s.dir, 'sim', '--scenario', 'package.json', '--broker', s.mqttUrl]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/package\.json is invalid:/);
    expect(stderr).toMatch(/\/districts: /);
  });
});
