/**
 * 10,000 connections that never send CONNECT (issue 12, item 5): the broker holds at most `mqtt.maxPendingConnects`
 * of them, closes the rest at once and counts them, drops the held ones at the connect timeout, and every real
 * device's readings are all stored meanwhile.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { FaultLoad, countSurvivors, seedFaultDevices } from '../helpers/fault-load.js';
import { connectDevice, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const SOCKETS = 10_000;
const MAX_PENDING = 500;

/** Opens `n` sockets that send nothing, `batch` at a time; resolves when each has connected or been refused. */
async function openSilent(port: number, n: number, batch: number, afterBatch: () => void): Promise<{ sockets: net.Socket[]; closed: () => number }> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  for (let i = 0; i < n; i += batch, afterBatch()) {
    await Promise.all(Array.from({ length: Math.min(batch, n - i) }, () => new Promise<void>((resolve) => {
      const so = net.connect({ port, host: '127.0.0.1' });
      sockets.push(so);
      so.once('close', () => { closed++; });
      so.once('error', () => resolve());
      so.once('connect', () => resolve());
    })));
  }
  return { sockets, closed: () => closed };
}

describe('10,000 connections that never send CONNECT', () => {
  const s = useTestStack({ overrides: { mqtt: { maxPendingConnects: MAX_PENDING, connectTimeoutMs: 3000, publishRatePerSec: 0 } } });

  const refused = async (reason: string) => (await s.metrics.mqttRefused.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  it('hold at most the pending cap, are closed and counted, and cost no real device a reading', async () => {
    const devices = await seedFaultDevices(s.registry, 10, 'FAULT-SILENT');
    await s.directory.refresh();
    const load = await FaultLoad.start({ url: s.mqttUrl, devices, perDevice: 200, window: 2 });
    let silent: Awaited<ReturnType<typeof openSilent>>;
    let maxPending = 0;
    try {
      silent = await openSilent(s.broker!.port, SOCKETS, 500, () => { maxPending = Math.max(maxPending, Number(s.broker!.health().counters?.pendingConnects ?? 0)); });
      await load.done();
    } finally {
      await load.stop();
    }
    // Beyond the cap a socket is closed at once; the held ones at the connect timeout. None stays open.
    await waitFor('every silent socket closed by the broker', () => silent.closed() === SOCKETS, 30_000);
    const figures = { sockets: SOCKETS, maxPending, refusedPending: await refused('pending'), closed: silent.closed() };
    console.log(`[fault] connections without CONNECT: ${JSON.stringify(figures)}`);
    // Held ones time out while the rest arrive, making room: what is refused is the rest, at least half here.
    expect(maxPending).toBeGreaterThan(0);
    expect(maxPending).toBeLessThanOrEqual(MAX_PENDING);
    expect(figures.refusedPending).toBeGreaterThanOrEqual(SOCKETS / 2);

    const r = await countSurvivors('10,000 connections that never send CONNECT', s.influx, load);
    expect(r.acknowledged).toBe(10 * 200);
    expect(r.lost).toBe(0);
    expect(r.whole).toBe(10);
    expect(s.broker!.health().state).toBe('ok');
    const after = await connectDevice(s.mqttUrl, devices[0]!.id, devices[0]!.secret);
    await after.endAsync();
  }, 120_000);
});
