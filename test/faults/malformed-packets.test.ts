import { describe, expect, it } from 'vitest';
import { FaultLoad, countSurvivors, seedFaultDevices } from '../helpers/fault-load.js';
import { connectDevice, useTestStack } from '../helpers/stack.js';
import { CONNECTED, PRE_CONNECT, sendGarbage, type GarbageResult } from './garbage.js';

const MAX_PAYLOAD = 1024;

describe('10,000 malformed and truncated MQTT packets, oversized payloads and invalid UTF-8 topics', () => {
  const s = useTestStack({ overrides: { mqtt: { maxPayloadBytes: MAX_PAYLOAD, publishRatePerSec: 0, connectTimeoutMs: 2000 } } });

  const counter = async (name: 'connectionErrors' | 'aclDenied', label: string) =>
    (await s.metrics[name].get()).values.filter((v) => Object.values(v.labels).includes(label)).reduce((n, v) => n + v.value, 0);

  it('keeps the broker up and every real device whole, and counts the offenders', async () => {
    const devices = await seedFaultDevices(s.registry, 10, 'FAULT-REAL');
    const offenders = await seedFaultDevices(s.registry, 40, 'FAULT-OFFENDERS');
    await s.directory.refresh();
    const load = await FaultLoad.start({ url: s.mqttUrl, devices, perDevice: 300, window: 2 });
    let garbage: GarbageResult;
    try {
      garbage = await sendGarbage({ port: s.broker!.port, total: 10_000, slots: 200, offenders, maxPayloadBytes: MAX_PAYLOAD });
      await load.done();
    } finally {
      await load.stop();
    }
    const sent = (kinds: readonly string[]) => kinds.reduce((n, k) => n + garbage.sent[k as keyof typeof garbage.sent], 0);
    const figures = {
      preConnect: sent(PRE_CONNECT), connected: sent(CONNECTED), leftOpen: garbage.leftOpen, notConnected: garbage.notConnected,
      errorsBeforeConnect: await counter('connectionErrors', 'before-connect'), errorsConnected: await counter('connectionErrors', 'connected'),
      aclDenied: await counter('aclDenied', 'publish'),
    };
    console.log(`[fault] malformed packets: ${JSON.stringify(garbage.sent)} ${JSON.stringify(figures)}`);

    const r = await countSurvivors('10,000 malformed, truncated, oversized and invalid-UTF-8 MQTT packets', s.influx, load);
    expect(r.acknowledged).toBe(10 * 300);
    expect(r.lost).toBe(0);
    expect(r.whole).toBe(10);
    expect(figures.preConnect + figures.connected).toBe(10_000);
    expect(garbage.leftOpen).toBe(0);
    expect(garbage.notConnected).toBe(0);
    // The offenders are visible on /metrics: every packet the parser can judge before CONNECT, every broken packet of
    // a logged-in device, and every publish on a topic that is not the device's own or over the size limit.
    const s2 = garbage.sent;
    expect(figures.errorsBeforeConnect).toBeGreaterThanOrEqual(s2['bad-length'] + s2['bad-protocol'] + s2['publish-first']);
    expect(figures.errorsConnected).toBeGreaterThanOrEqual(figures.connected);
    expect(figures.aclDenied).toBeGreaterThanOrEqual(s2['invalid-utf8-topic'] + s2.oversized);
    // The broker is still up and still lets a device in.
    expect(s.broker!.health().state).toBe('ok');
    const after = await connectDevice(s.mqttUrl, devices[0]!.id, devices[0]!.secret);
    await after.endAsync();
  }, 120_000);
});
