import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../protocol/index.js';
import { connectDevice, refusalCode, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';

const BENCH = { user: 'bench-subscriber', secret: 'bench-secret-0123456789' };

/** mqtt.benchSubscriber: the account `npm run bench` times publish → subscriber latency through (off by default). */
describe('the bench-only subscriber account', () => {
  let s: TestStack;
  let off: TestStack;
  let dev: { id: string; secret: string };

  beforeAll(async () => {
    s = await startTestStack({ overrides: { mqtt: { benchSubscriber: `${BENCH.user}:${BENCH.secret}` } } });
    off = await startTestStack();
    const { room } = await seedSchool(s.registry);
    const d = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    dev = { id: d.device.id, secret: d.secret! };
  });
  afterAll(async () => {
    await s?.close();
    await off?.close();
  });

  it('does not exist unless configured', async () => {
    expect(await refusalCode(off.mqttUrl, BENCH.user, BENCH.user, BENCH.secret)).toBe(4);
  });

  it('refuses a wrong secret and a foreign client id', async () => {
    expect(await refusalCode(s.mqttUrl, BENCH.user, BENCH.user, 'bench-secret-wrong-000000')).toBe(4);
    expect(await refusalCode(s.mqttUrl, 'someone-else', BENCH.user, BENCH.secret)).toBe(4);
  });

  it("receives every device's telemetry and may subscribe to nothing else", async () => {
    const sub = await connectDevice(s.mqttUrl, BENCH.user, BENCH.secret);
    const device = await connectDevice(s.mqttUrl, dev.id, dev.secret);
    try {
      // MQTT.js rejects on a negated SUBACK (0x80).
      await expect(sub.subscribeAsync('edu/v1/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
      const granted = await sub.subscribeAsync(topics.telemetry('+'), { qos: 1 });
      expect(granted[0]?.qos).toBe(1);
      const got = new Promise<[string, string]>((resolve) => sub.once('message', (t, p) => resolve([t, p.toString('utf8')])));
      const payload = JSON.stringify({ battery: 64 });
      await device.publishAsync(topics.telemetry(dev.id), payload, { qos: 1 });
      expect(await got).toEqual([topics.telemetry(dev.id), payload]);
    } finally {
      sub.end(true);
      device.end(true);
    }
  });
});
