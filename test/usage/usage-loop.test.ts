/** The `usage` component of a running stack analyses today's readings by itself, every `usage.analyseIntervalMs`. */
import { describe, expect, it } from 'vitest';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

describe('the live usage loop', () => {
  const s = useTestStack({ overrides: { usage: { analyseIntervalMs: 300 } } });

  it('turns a board used in the last minutes into an interval of use without anyone asking', async () => {
    const { room } = await seedSchool(s.registry);
    const { device, secret } = await s.registry.addDevice({ kind: 'board', roomId: room.id, id: 'board-live' });
    await s.directory.refresh();
    const now = Date.now();
    const readings = Array.from({ length: 10 }, (_, i) => ({ ts: now - (10 - i) * 60_000, power: 'on', touches: 12 }));
    const c = await connectDevice(s.mqttUrl, device.id, secret!);
    await c.publishAsync(topics.telemetry(device.id), JSON.stringify(readings), { qos: 1 });
    await c.endAsync();
    const interval = await waitFor('an interval of use analysed by the loop', async () =>
      (await s.influx.query<{ time: Date; by: string; boards: number }>(`SELECT * FROM rollup.usage_interval WHERE room = '${room.id}'`, { precision: 'ms' }))[0]);
    expect(interval.by).toBe('board');
    expect(interval.boards).toBe(1);
    expect(interval.time.getTime()).toBe(readings[0]!.ts);
  });
});
