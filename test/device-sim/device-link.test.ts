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
    await waitFor('the device online at the broker behind the second address', () => s.gateway!.live.get(device.id)?.state === 'online');
    expect(link.connected).toBe(true);
    expect(ups).toEqual([true]);
  });
});
