import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../protocol/index.js';
import { connectDevice, refusalCode, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

describe('broker authentication and ACL', () => {
  let s: TestStack;
  let a: { id: string; secret: string };
  let b: { id: string; secret: string };

  async function storedCount(deviceId: string): Promise<number> {
    const rows = await s.influx.query<{ count: number }>(`SELECT count(battery) FROM telemetry_tablet WHERE device = '${deviceId}'`);
    return rows[0]?.count ?? 0;
  }

  beforeAll(async () => {
    s = await startTestStack({ overrides: { mqtt: { connectTimeoutMs: 300 } } });
    const { room } = await seedSchool(s.registry);
    const da = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    const db = await s.registry.addDevice({ kind: 'tablet', roomId: room.id });
    a = { id: da.device.id, secret: da.secret! };
    b = { id: db.device.id, secret: db.secret! };
  });
  afterAll(async () => {
    await s?.close();
  });

  it('refuses a wrong password with CONNACK 4', async () => {
    expect(await refusalCode(s.mqttUrl, a.id, a.id, 'not-the-secret')).toBe(4);
  });

  it('refuses an unknown device with CONNACK 4', async () => {
    expect(await refusalCode(s.mqttUrl, 'tablet-unknown', 'tablet-unknown', 'whatever')).toBe(4);
  });

  it("refuses a device that presents another device's client id with CONNACK 2", async () => {
    expect(await refusalCode(s.mqttUrl, b.id, a.id, a.secret)).toBe(2);
  });

  it('refuses a revoked device with CONNACK 5 and drops it if it was connected', async () => {
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: (await s.registry.rooms())[0]!.id });
    const c = await connectDevice(s.mqttUrl, device.id, secret!);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    await s.registry.revokeDevice(device.id);
    await closed;
    c.end(true);
    expect(await refusalCode(s.mqttUrl, device.id, device.id, secret!)).toBe(5);
  });

  it('keeps a device connected when its record is edited, and drops it when its secret is rotated', async () => {
    const { device, secret } = await s.registry.addDevice({ kind: 'tablet', roomId: (await s.registry.rooms())[0]!.id });
    const c = await connectDevice(s.mqttUrl, device.id, secret!);
    let closed = false;
    c.once('close', () => { closed = true; });
    await s.registry.updateDevice(device.id, { notes: 'Màn hình bị xước', name: 'Máy tính bảng giáo viên' });
    await s.directory.refresh();
    // A publish round trip after the edit proves the session survived it.
    await c.publishAsync(topics.telemetry(device.id), JSON.stringify({ battery: 77 }), { qos: 1 });
    expect(closed).toBe(false);
    const fresh = await s.registry.rotateSecret(device.id);
    await waitFor('the old session dropped', () => closed);
    c.end(true);
    expect(await refusalCode(s.mqttUrl, device.id, device.id, secret!)).toBe(4);
    const again = await connectDevice(s.mqttUrl, device.id, fresh);
    await again.endAsync();
  });

  it("closes a tablet that publishes on another device's topic, and stores nothing of it", async () => {
    const c = await connectDevice(s.mqttUrl, a.id, a.secret);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish(topics.telemetry(b.id), JSON.stringify({ battery: 1 }), { qos: 1 });
    await closed;
    c.end(true);
    // A later, legitimate reading of b is stored; the writer keeps order, so the forged one would be there by now.
    const cb = await connectDevice(s.mqttUrl, b.id, b.secret);
    await cb.publishAsync(topics.telemetry(b.id), JSON.stringify({ battery: 50 }), { qos: 1 });
    await cb.endAsync();
    await waitFor("b's own reading", async () => (await storedCount(b.id)) === 1);
    const rows = await s.influx.query<{ battery: number }>(`SELECT battery FROM telemetry_tablet WHERE device = '${b.id}'`);
    expect(rows.map((r) => r.battery)).toEqual([50]);
  });

  it('refuses a subscription to edu/v1/# (SUBACK 128) but grants the device its own commands', async () => {
    const c = await connectDevice(s.mqttUrl, a.id, a.secret);
    // mqtt.js rejects a subscription refused with 0x80; the SUBACK it received is on the error.
    const granted = (topic: string) => c.subscribeAsync(topic, { qos: 1 }).then(
      (g) => g[0]?.qos,
      (err: { packet?: { granted?: number[] } }) => err.packet?.granted?.[0],
    );
    expect(await granted('edu/v1/#')).toBe(128);
    expect(await granted(topics.commandFilter(b.id))).toBe(128);
    expect(await granted(topics.commandFilter(a.id))).toBe(1);
    await c.endAsync();
  });

  it('closes a device that publishes on $SYS', async () => {
    const c = await connectDevice(s.mqttUrl, a.id, a.secret);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish('$SYS/broker/fake', 'x', { qos: 1 });
    await closed;
    c.end(true);
  });

  it('accepts MQTT over WebSocket with the same credentials', async () => {
    const c = await connectDevice(`ws://127.0.0.1:${s.broker!.wsPort}/mqtt`, a.id, a.secret);
    await c.publishAsync(topics.telemetry(a.id), JSON.stringify({ battery: 42 }), { qos: 1 });
    await c.endAsync();
    await waitFor('the WebSocket reading', async () => (await storedCount(a.id)) === 1);
  });

  // CONNACK 6 (what aedes answers) does not exist in MQTT 3.1.1: 2, identifier rejected, as mosquitto answers.
  it('refuses a keepalive of 0 or above the limit (CONNACK 2), so presence can always be tracked', async () => {
    const code = await connectDevice(s.mqttUrl, a.id, a.secret, { keepalive: 0 }).then((c) => { c.end(true); return 0; }, (e: { code?: number }) => e.code);
    expect(code).toBe(2);
  });

  it('closes a socket that sends no CONNECT within the connect timeout', async () => {
    const { connect } = await import('node:net');
    const sock = connect(s.broker!.port, '127.0.0.1');
    const closedAt = await new Promise<number>((resolve) => sock.once('close', () => resolve(Date.now())));
    expect(closedAt).toBeGreaterThan(0);
  });

  it('marks a device offline when its connection drops without DISCONNECT', async () => {
    const c = await connectDevice(s.mqttUrl, b.id, b.secret, { will: { topic: topics.status(b.id), payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true } });
    await waitFor('b online', () => s.gateway!.live.get(b.id)?.state === 'online');
    (c as unknown as { stream: { destroy(): void } }).stream.destroy();
    await waitFor('b offline', () => s.gateway!.live.get(b.id)?.state === 'offline');
    c.end(true);
    const rows = await waitFor('presence points', async () => {
      const r = await s.influx.query<{ state: string }>(`SELECT state FROM presence WHERE device = '${b.id}'`);
      return r.some((x) => x.state === 'offline') ? r : null;
    });
    expect(rows.map((r) => r.state)).toContain('online');
  });
});

