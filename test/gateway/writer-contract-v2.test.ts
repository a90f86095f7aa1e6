import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfluxV2Writer } from '../../gateway/influx-v2-writer.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { VictoriaMetrics } from '../helpers/victoria-metrics.js';
import { waitFor } from '../helpers/wait.js';
import { writerContract, type WriterTarget } from './writer-contract.js';

/** The v2 write API's parameters; VictoriaMetrics takes any token, org and bucket. */
const V2 = { token: 'edufleet-contract-token', org: 'so-gd-dt-lao-cai', bucket: 'edufleet' };

const vm = new VictoriaMetrics();
let target: WriterTarget | undefined;

beforeAll(async () => {
  await vm.start();
  target = {
    writer: new InfluxV2Writer({ url: vm.url, ...V2 }),
    numbers: (m) => vm.numbers(m),
    // VictoriaMetrics keeps numbers only (a string field becomes a series of 0): no `strings`, the contract allows for that.
    // It skips a malformed line with a 204 (InfluxDB 2.x answers 400); it answers 400 for a line past its
    // -influx.maxLineSize (4 KiB in the helper).
    refusedLine: (m) => `${m},device=TB-0 note="${'x'.repeat(300_000)}",battery=1 ${Date.now()}`,
    stop: () => vm.stop(),
    start: async () => { await vm.start(); },
  };
});

afterAll(async () => {
  await vm.close();
});

writerContract('the InfluxDB v2 writer on a server that speaks /api/v2/write (VictoriaMetrics)', () => target!);

describe('the v2 writer as the primary of the gateway', () => {
  let s: TestStack | undefined;
  beforeAll(async () => {
    s = await startTestStack({ only: ['broker', 'gateway'], overrides: { influx: { version: 2, url: vm.url, ...V2 }, gateway: { retryMaxMs: 500 } } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('keeps every acknowledged QoS 1 reading while the server is down and writes them all, exact, once it is back', async () => {
    const { room } = await seedSchool(s!.registry);
    const devices = await Promise.all([0, 1].map(() => s!.registry.addDevice({ kind: 'tablet', roomId: room.id })));
    const clients = await Promise.all(devices.map((d) => connectDevice(s!.mqttUrl, d.device.id, d.secret!)));
    const t0 = Date.now() - 60_000;
    const sent = new Map<string, number>();
    const publish = (from: number, to: number) => Promise.all(clients.map(async (c, k) => {
      const id = devices[k]!.device.id;
      for (let i = from; i < to; i++) {
        await c.publishAsync(topics.telemetry(id), JSON.stringify({ ts: t0 + i, battery: (i * 7 + k) % 100 }), { qos: 1 });
        sent.set(`${id}|battery|${t0 + i}`, (i * 7 + k) % 100);
      }
    }));

    await publish(0, 50);
    await vm.stop();
    await publish(50, 200);
    await waitFor('the gateway to notice the outage', () => s!.gateway!.degraded);
    expect(s!.gateway!.pendingBytes()).toBeGreaterThan(0);

    await vm.start();
    let got = new Map<string, number>();
    await waitFor('every acknowledged reading in the v2 server', async () => (got = await vm.numbers('telemetry_tablet')).size >= sent.size, 60_000);
    await Promise.all(clients.map((c) => c.endAsync()));
    expect([...got].sort()).toEqual([...sent].sort());
    await waitFor('the gateway to leave the degraded state', () => !s!.gateway!.degraded);
  });
});
