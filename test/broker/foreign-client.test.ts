import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

async function mosquittoPub(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run('mosquitto_pub', args, { timeout: 10_000 });
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number | string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('mosquitto_pub is not installed: run `npm run setup` (Debian package mosquitto-clients)');
    return { code: Number(e.code), stderr: e.stderr ?? '' };
  }
}

describe('a foreign MQTT client (mosquitto_pub)', () => {
  const s = useTestStack();

  it('lands the docs/protocol.md example in InfluxDB', async () => {
    const { room } = await seedSchool(s.registry);
    const { device, secret } = await s.registry.addDevice({ kind: 'sensor', roomId: room.id });
    const id = device.id;
    const r = await mosquittoPub(['-h', '127.0.0.1', '-p', String(s.broker!.port), '-V', 'mqttv311', '-q', '1', '-i', id, '-u', id, '-P', secret!,
      '-t', `edu/v1/${id}/telemetry`, '-m', '{"temperature":29.5,"humidity":71,"co2":850,"occupancy":32}']);
    expect(r).toMatchObject({ code: 0 });
    const rows = await waitFor('the mosquitto_pub reading', async () => {
      const q = await s.influx.query<{ co2: number | null; occupancy: number; humidity: number | null }>(`SELECT * FROM telemetry_sensor WHERE device = '${id}'`);
      // InfluxDB 1.x stores a point's fields one series at a time: a query during the write may see some of them.
      return q.length && q[0]!.co2 !== null && q[0]!.humidity !== null ? q : null;
    });
    expect(rows[0]).toMatchObject({ co2: 850, occupancy: 32, temperature: 29.5, humidity: 71 });
  });

  it('is refused with a wrong secret', async () => {
    const { room } = await seedSchool(s.registry);
    const { device } = await s.registry.addDevice({ kind: 'sensor', roomId: room.id });
    const r = await mosquittoPub(['-h', '127.0.0.1', '-p', String(s.broker!.port), '-q', '1', '-i', device.id, '-u', device.id, '-P', 'wrong',
      '-t', `edu/v1/${device.id}/telemetry`, '-m', '{"co2":1}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.toLowerCase()).toMatch(/not authori[sz]ed|bad user name or password/);
  });
});
