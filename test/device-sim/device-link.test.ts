import { afterAll, describe, expect, it } from 'vitest';
import { DeviceLink } from '../../device-sim/device-link.js';
import { deviceAttributes } from '../../device-sim/hardware.js';
import { freePort } from '../../lib/net.js';
import { seedSchool, useTestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

describe('a simulated device given several broker addresses', () => {
  const s = useTestStack();
  const links: DeviceLink[] = [];
  afterAll(async () => {
    await Promise.all(links.map((l) => l.close(new Promise<void>((r) => setTimeout(r, 2000)))));
  });

  it('connects through the next address when the first one refuses it, as a device does when a node is down', async () => {
    const { room } = await seedSchool(s.registry);
    const [added] = await s.registry.addDevices([{ kind: 'tablet', roomId: room.id, name: 'Máy tính bảng dự phòng' }]);
    const { device, secret } = added!;
    // Nothing listens on this port: a node that died.
    const dead = `mqtt://127.0.0.1:${await freePort()}`;
    const ups: boolean[] = [];
    const link = new DeviceLink({
      brokerUrl: dead, fallbackUrls: [s.mqttUrl], id: device.id, secret: secret!, qos: 1,
      attributes: deviceAttributes(device.id, 'tablet'), reconnectPeriodMs: 100, presence: () => 'online',
      on: { link: (up) => ups.push(up), error: () => undefined },
    });
    links.push(link);
    await link.connect();
    // The broker counts a device online when it accepts it, before its CONNACK reaches the device: wait for both.
    await waitFor('the device online at the broker behind the second address', () => s.gateway!.live.get(device.id)?.state === 'online');
    await waitFor('the link up at the device', () => link.connected);
    expect(ups).toEqual([true]);
  });

  it('connects from the local address it is given, through the same list of addresses', async () => {
    const { room } = await seedSchool(s.registry, 'LINK-SRC');
    const [added] = await s.registry.addDevices([{ kind: 'tablet', roomId: room.id }]);
    const { device, secret } = added!;
    const link = new DeviceLink({
      brokerUrl: `mqtt://127.0.0.1:${await freePort()}`, fallbackUrls: [s.mqttUrl], localAddress: '127.0.0.2', id: device.id, secret: secret!, qos: 1,
      attributes: deviceAttributes(device.id, 'tablet'), reconnectPeriodMs: 100, presence: () => 'online', on: { link: () => undefined, error: () => undefined },
    });
    links.push(link);
    await link.connect();
    await waitFor('the device online, from 127.0.0.2', () => s.gateway!.live.get(device.id)?.state === 'online');
    expect(() => new DeviceLink({ brokerUrl: 'mqtts://127.0.0.1:8883', localAddress: '127.0.0.2', id: 'x', secret: 'y', qos: 1,
      attributes: deviceAttributes('x', 'tablet'), reconnectPeriodMs: 100, presence: () => 'online', on: { link: () => undefined, error: () => undefined } }).connect()).toThrow(/mqtt:\/\/ addresses only/);
  });
});

describe('a simulated device refused because the broker is full', () => {
  const s = useTestStack({ overrides: { mqtt: { maxConnections: 1 } } });
  const links: DeviceLink[] = [];
  afterAll(async () => {
    await Promise.all(links.map((l) => l.close(new Promise<void>((r) => setTimeout(r, 2000)))));
  });

  it('waits twice as long after each refusal while the broker stays full, and back to its period once it is in', async () => {
    const { room } = await seedSchool(s.registry);
    const [a, b] = await s.registry.addDevices([{ kind: 'tablet', roomId: room.id }, { kind: 'tablet', roomId: room.id }]);
    let refusals = 0;
    const link = (d: typeof a, on: () => void = () => undefined) => {
      const l = new DeviceLink({
        brokerUrl: s.mqttUrl, id: d!.device.id, secret: d!.secret!, qos: 1, attributes: deviceAttributes(d!.device.id, 'tablet'),
        reconnectPeriodMs: 50, presence: () => 'online', on: { link: () => undefined, error: on },
      });
      links.push(l);
      return l;
    };
    const first = link(a);
    await first.connect();
    expect(first.connected).toBe(true);
    const second = link(b, () => { refusals++; });
    await second.connect();
    await waitFor('three refusals (CONNACK 3, the cap)', () => refusals >= 3);
    // One address: every refusal is a whole round refused, so each doubles the wait (read with the count, in one tick).
    expect(second.retryPeriodMs).toBe(50 * 2 ** refusals);
    expect(second.connected).toBe(false);

    first.drop();
    await waitFor('the second device in once there is room', () => second.connected, 30_000);
    expect(second.retryPeriodMs).toBe(50);
  });
});
