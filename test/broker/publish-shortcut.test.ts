import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const BENCH = { user: 'bench-subscriber', secret: 'bench-secret-0123456789' };

/** broker/publish-shortcut.ts: a publish nobody subscribes to skips aedes's delivery; one somebody does, never. */
describe('publishes nobody subscribes to', () => {
  let s: TestStack;
  let dev: { id: string; secret: string };
  let device: MqttClient;
  const skipped = () => s.broker!.shortcut!.skipped;
  const reading = (battery: number) => device.publishAsync(topics.telemetry(dev.id), JSON.stringify({ battery }), { qos: 1 });
  /** Publishes until one is skipped (the first ones prove that nobody listens), then returns how many it took. */
  const untilSkipped = async () => {
    const before = skipped();
    let n = 0;
    await waitFor('a publish that skips delivery', async () => {
      await reading(n++);
      return skipped() > before;
    });
    return n;
  };

  beforeAll(async () => {
    s = await startTestStack({ overrides: { mqtt: { benchSubscriber: `${BENCH.user}:${BENCH.secret}` } } });
    const { room } = await seedSchool(s.registry);
    const d = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    dev = { id: d.device.id, secret: d.secret! };
    device = await connectDevice(s.mqttUrl, dev.id, dev.secret);
  });
  afterAll(async () => {
    device?.end(true);
    await s?.close();
  });

  it('are acknowledged without delivery, and still ingested', async () => {
    const before = s.gateway!.live.get(dev.id);
    expect(before?.latest?.battery).not.toBe(7);
    await untilSkipped();
    const skippedBefore = skipped();
    await reading(7);
    expect(skipped()).toBe(skippedBefore + 1);
    expect(s.gateway!.live.get(dev.id)?.latest?.battery).toBe(7);
  });

  it('at QoS 1 are acknowledged by the shortcut, in the order they came, beside the PUBACKs aedes still writes', async () => {
    await untilSkipped();
    const sent: number[] = [];
    const acked: number[] = [];
    const onSend = (p: { cmd: string; messageId?: number }) => { if (p.cmd === 'publish') sent.push(p.messageId!); };
    const onReceive = (p: { cmd: string; messageId?: number }) => { if (p.cmd === 'puback') acked.push(p.messageId!); };
    device.on('packetsend', onSend);
    device.on('packetreceive', onReceive);
    const ackedBefore = s.broker!.shortcut!.acked;
    let statusId = 0;
    try {
      // Forty in flight at once; a retained status in the middle is acknowledged by aedes.
      const all: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        all.push(reading(50 + i));
        if (i === 20) {
          all.push(device.publishAsync(topics.status(dev.id), JSON.stringify({ state: 'online' }), { qos: 1, retain: true }));
          statusId = sent.at(-1)!;
        }
      }
      await Promise.all(all);
    } finally {
      device.off('packetsend', onSend);
      device.off('packetreceive', onReceive);
    }
    expect(sent).toHaveLength(41);
    expect(acked).toContain(statusId);
    // A status that changes nothing is answered at once, not after the readings before it are durable: only the
    // readings' order is the shortcut's to keep.
    expect(acked.filter((id) => id !== statusId)).toEqual(sent.filter((id) => id !== statusId));
    expect(s.broker!.shortcut!.acked - ackedBefore).toBe(40);
    expect(s.gateway!.live.get(dev.id)?.latest?.battery).toBe(89);
  });

  it('reach a subscriber from the first publish after it subscribed, and are skipped again once it has gone', async () => {
    const sub = await connectDevice(s.mqttUrl, BENCH.user, BENCH.secret);
    try {
      // Proven unheard after the subscriber connected: only the subscription itself can tell the shortcut.
      await untilSkipped();
      await sub.subscribeAsync(topics.telemetry('+'), { qos: 1 });
      const got = new Promise<string>((resolve) => sub.once('message', (_t, p) => resolve(p.toString('utf8'))));
      const skippedBefore = skipped();
      await reading(41);
      expect(await got).toBe(JSON.stringify({ battery: 41 }));
      expect(skipped()).toBe(skippedBefore);
    } finally {
      await sub.endAsync(true);
    }
    await untilSkipped();
  });

  it('still reach an offline persistent session, which gets them when it comes back', async () => {
    const opts = { clean: false };
    const sub = await connectDevice(s.mqttUrl, BENCH.user, BENCH.secret, opts);
    await sub.subscribeAsync(topics.telemetry('+'), { qos: 1 });
    await sub.endAsync();
    const skippedBefore = skipped();
    // Several: only the first would take aedes's path if the shortcut looked at online subscribers alone.
    for (const b of [55, 56, 57]) await reading(b);
    expect(skipped()).toBe(skippedBefore);
    // Listening before CONNACK: the queued message follows it at once.
    const back = mqtt.connect(s.mqttUrl, { clientId: BENCH.user, username: BENCH.user, password: BENCH.secret, reconnectPeriod: 0, ...opts });
    try {
      const got: string[] = [];
      back.on('message', (_t, p) => got.push(p.toString('utf8')));
      await waitFor('the queued readings', () => got.length >= 3);
      expect(got).toEqual([55, 56, 57].map((battery) => JSON.stringify({ battery })));
    } finally {
      await back.endAsync(true);
    }
  });

  it('never skip a retained message (it must be stored for later subscribers)', async () => {
    const skippedBefore = skipped();
    for (let i = 0; i < 3; i++) await device.publishAsync(topics.status(dev.id), JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
    expect(skipped()).toBe(skippedBefore);
  });
});
