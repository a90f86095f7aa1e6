import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reasonText } from '../../domain/index.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const RATE = 10;
const BURST = 10;
const FLOOD = 100 * RATE * 2; // two seconds at 100 times the rate

describe('per-device publish rate, and the protocol limits of a publish', () => {
  let s: TestStack;
  let room: { id: number };
  const device = async () => {
    const { device: d, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    return { id: d.id, secret: secret! };
  };
  const storedTimes = async (id: string) =>
    new Set((await s.influx.query<{ time: { getTime(): number } }>(`SELECT battery FROM telemetry_tablet WHERE device = '${id}'`)).map((r) => r.time.getTime()));
  const closedBy = (c: MqttClient) => new Promise<void>((r) => c.once('close', () => r()));

  beforeAll(async () => {
    s = await startTestStack({ overrides: { mqtt: { publishRatePerSec: RATE, publishBurst: BURST }, alerts: { evaluateMs: 100 } } });
    ({ room } = await seedSchool(s.registry));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('throttles a device flooding at 100 times its rate: every acknowledged reading is stored, the other device loses none, technicians see it', async () => {
    const flood = await device();
    const calm = await device();
    const f = await connectDevice(s.mqttUrl, flood.id, flood.secret);
    const c = await connectDevice(s.mqttUrl, calm.id, calm.secret);
    const base = Date.now() - 60 * 60_000;
    const acked: number[] = [];
    const started = Date.now();
    for (let i = 0; i < FLOOD; i++) {
      const ts = base + i;
      f.publish(topics.telemetry(flood.id), JSON.stringify({ battery: i % 100, ts }), { qos: 1 }, (err) => { if (!err) acked.push(ts); });
    }
    // The calm device publishes at its usual pace meanwhile, and is never held back.
    for (let i = 0; i < 20; i++) await c.publishAsync(topics.telemetry(calm.id), JSON.stringify({ battery: 80, ts: base + i * 1000 }), { qos: 1 });
    await waitFor('the calm device stored whole', async () => (await storedTimes(calm.id)).size === 20);

    const alert = await waitFor('the flooding alert', async () => (await s.registry.openAlerts([flood.id])).find((a) => a.rule === 'flooding' && a.state === 'firing'));
    expect(alert.value).toBeGreaterThan(RATE);
    const health = (await s.registry.healthRows({ deviceIds: [flood.id] }))[0]!;
    expect(health.reasons.map((r) => r.rule)).toContain('flooding');
    expect(reasonText({ rule: 'flooding', severity: 'warning', value: 200 }, 'vi')).toBe('Thiết bị gửi quá nhiều tin: 200 tin/giây, bị giới hạn');

    await waitFor('some throttled acknowledgements', () => acked.length >= BURST + 2 * RATE);
    f.end(true);
    const elapsedS = (Date.now() - started) / 1000;
    // Throttled: no more than the burst and the rate over the time it had, far from the whole flood.
    expect(acked.length).toBeLessThanOrEqual(BURST + RATE * elapsedS + RATE);
    expect(acked.length).toBeLessThan(FLOOD);
    // Acknowledged means stored: every one of them reaches InfluxDB (the rest were never acknowledged).
    const stored = await waitFor('every acknowledged reading stored', async () => {
      const t = await storedTimes(flood.id);
      return acked.every((ts) => t.has(ts)) ? t : null;
    });
    console.log(`flood: ${FLOOD} sent, ${acked.length} acknowledged, ${stored.size} stored, ${acked.filter((ts) => !stored.has(ts)).length} acknowledged and lost`);
    expect(await s.metrics.registry.getSingleMetricAsString('edufleet_mqtt_throttled_total')).toMatch(/ [1-9]\d*$/m);
    await c.endAsync();
  });

  it('keeps retained messages to status and attributes: a retained reading closes the connection and is not stored', async () => {
    const d = await device();
    const c = await connectDevice(s.mqttUrl, d.id, d.secret);
    await c.publishAsync(topics.status(d.id), JSON.stringify({ state: 'online' }), { qos: 1, retain: true });
    expect(c.connected).toBe(true);
    const closed = closedBy(c);
    c.publish(topics.telemetry(d.id), JSON.stringify({ battery: 10 }), { qos: 1, retain: true }, () => undefined);
    await closed;
    c.end(true);
    expect((await storedTimes(d.id)).size).toBe(0);
  });

  it('refuses QoS 2 (a subscription is negated and the device stays; a publish closes the connection)', async () => {
    const d = await device();
    const c = await connectDevice(s.mqttUrl, d.id, d.secret);
    await expect(c.subscribeAsync(topics.commandFilter(d.id), { qos: 2 })).rejects.toThrow(/Subscribe error/);
    expect((await c.subscribeAsync(topics.commandFilter(d.id), { qos: 1 })).map((g) => g.qos)).toEqual([1]);
    const closed = closedBy(c);
    c.publish(topics.telemetry(d.id), JSON.stringify({ battery: 11 }), { qos: 2 }, () => undefined);
    await closed;
    c.end(true);
    expect((await storedTimes(d.id)).size).toBe(0);
  });

  it('bounds command ids both ways: a subscription to a bad one is negated, an answer on one closes', async () => {
    const d = await device();
    const c = await connectDevice(s.mqttUrl, d.id, d.secret);
    const long = 'c'.repeat(65);
    await expect(c.subscribeAsync(`edu/v1/${d.id}/cmd/${long}`)).rejects.toThrow(/Subscribe error/);
    await expect(c.subscribeAsync(`edu/v1/${d.id}/cmd/short`)).rejects.toThrow(/Subscribe error/);
    expect((await c.subscribeAsync(`edu/v1/${d.id}/cmd/c-7f3a9e21`, { qos: 1 })).map((g) => g.qos)).toEqual([1]);
    const closed = closedBy(c);
    c.publish(`edu/v1/${d.id}/cmd/${long}/result`, JSON.stringify({ ok: true }), { qos: 1 }, () => undefined);
    await closed;
    c.end(true);
  });

  it('answers a keepalive above mqtt.keepaliveLimitS with CONNACK 2, a code MQTT 3.1.1 has', async () => {
    const d = await device();
    const over = s.config.mqtt.keepaliveLimitS + 1;
    const code = await connectDevice(s.mqttUrl, d.id, d.secret, { keepalive: over }).then((c) => { c.end(true); return 0; }, (e: { code?: number }) => e.code);
    expect(code).toBe(2);
    const ok = await connectDevice(s.mqttUrl, d.id, d.secret, { keepalive: over - 1 });
    await ok.endAsync();
  });
});
