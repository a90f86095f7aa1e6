import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const PENDING_CAP = 100;

/** The MQTT remaining-length varint. */
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 128;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function openSocket(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) }, () => resolve(s));
    s.once('error', reject);
  });
}

const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

describe('admission in front of aedes: frame size, pending CONNECTs, connections per address', () => {
  let s: TestStack;
  let room: { id: number };
  const refused = () => s.broker!.health().counters ?? {};

  async function stored(deviceId: string): Promise<number> {
    const rows = await s.influx.query<{ count: number }>(`SELECT count(battery) FROM telemetry_tablet WHERE device = '${deviceId}'`);
    return rows[0]?.count ?? 0;
  }

  beforeAll(async () => {
    s = await startTestStack({ overrides: { mqtt: {
      maxPendingConnects: PENDING_CAP, connectTimeoutMs: 1500, connectsPerAddressPerSec: 1, connectRateExempt: ['127.0.0.1'],
    } } });
    ({ room } = await seedSchool(s.registry));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('closes a connection whose packet announces 100 MB after its header, without buffering it', async () => {
    const before = process.memoryUsage();
    const sock = await openSocket(s.broker!.port);
    sock.on('error', () => undefined);
    const gone = closed(sock);
    sock.write(Buffer.concat([Buffer.from([0x30]), varint(100 * 1024 * 1024)]));
    // Keep sending the body (up to 32 MB) until the broker hangs up: without the guard aedes would hold all of it.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    while (!sock.destroyed && sent < 32 * 1024 * 1024) {
      if (!sock.write(chunk)) await Promise.race([new Promise((r) => sock.once('drain', r)), gone]);
      sent += chunk.length;
    }
    await gone;
    const after = process.memoryUsage();
    expect(refused().oversize).toBe(1);
    expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(16 * 1024 * 1024);
    expect(await s.metrics.registry.getSingleMetricAsString('edufleet_mqtt_refused_total')).toMatch(/reason="oversize"} 1/);
  });

  it('closes a WebSocket whose frame is over the limit', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.broker!.wsPort}/mqtt`, 'mqtt');
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const code = new Promise<number>((r) => ws.once('close', (c) => r(c)));
    ws.send(Buffer.alloc(s.config.mqtt.maxPayloadBytes + 8192));
    expect(await code).toBe(1009); // "message too big"
  });

  it('sockets that never send CONNECT beyond the cap are closed at once, and a real device still gets in', async () => {
    const idle = await Promise.all(Array.from({ length: PENDING_CAP + 50 }, () => openSocket(s.broker!.port).then((k) => k.on('error', () => undefined))));
    await waitFor('the sockets over the cap closed', () => idle.filter((k) => k.destroyed).length >= 50);
    expect(refused().pending).toBeGreaterThanOrEqual(50);
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    // While the cap is full a new socket is closed at once; once the idle ones time out (connectTimeoutMs), it gets in.
    const c = await waitFor('the real device connected', () => connectDevice(s.mqttUrl, device.id, secret!).catch(() => null), 20_000, 100);
    for (let i = 0; i < 20; i++) await c.publishAsync(topics.telemetry(device.id), JSON.stringify({ battery: 50 + i, ts: Date.now() - i * 1000 }), { qos: 1 });
    await c.endAsync();
    await waitFor('all 20 readings stored', async () => (await stored(device.id)) === 20);
    await Promise.all(idle.map((k) => { k.destroy(); return closed(k); }));
    await waitFor('no pending sockets left', () => refused().pendingConnects === 0);
  });

  it('limits new connections per address (127.0.0.2, not exempt), while the exempt address connects', async () => {
    // Each is closed at once by the admission, or by aedes's connect timeout later.
    await Promise.all(Array.from({ length: 20 }, async () => {
      const k = await openSocket(s.broker!.port, '127.0.0.2');
      k.on('error', () => undefined);
      await closed(k);
    }));
    // A burst of 10 s worth (10 at 1 a second) is let in; the rest were refused for the rate.
    expect(refused().rate).toBeGreaterThanOrEqual(9);
    expect(refused().rate).toBeLessThanOrEqual(10);
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const c = await connectDevice(s.mqttUrl, device.id, secret!);
    await c.endAsync();
  });
});
