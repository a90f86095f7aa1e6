import type { MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { topics } from '../../protocol/index.js';
import { connectDevice, seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { logIn, useChromium } from './browser.js';

const PASSWORD = 'kỹ-thuật-viên-2025';

/**
 * A device page opened by its link (a reload, a link in an e-mail) mounts before the app's live socket exists:
 * its pushes must still reach it, with no re-fetch per push.
 */
describe('live readings on a device page opened by its link', () => {
  let s: TestStack;
  let page: Page;
  let device: MqttClient;
  let deviceId: string;
  const browser = useChromium();

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard });
    const { room, school } = await seedSchool(s.registry);
    const added = await s.registry.addDevice({ kind: 'tablet', roomId: room.id, name: 'Máy tính bảng 07' });
    deviceId = added.device.id;
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', scope: { schoolIds: [school.id] } });
    await s.directory.refresh();
    device = await connectDevice(s.mqttUrl, deviceId, added.secret!);
    page = await browser.page();
    await logIn(page, s.dashboard!.url, 'ktv', PASSWORD);
  });

  afterAll(async () => {
    await device?.endAsync();
    await s?.close();
  });

  it('shows each published reading, and fetches the device once', async () => {
    const fetches: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === `/api/devices/${deviceId}`) fetches.push(r.url());
    });
    await page.goto(`${s.dashboard!.url}/devices/${deviceId}`);
    await page.getByTestId('field-storageFree').filter({ hasText: '—' }).waitFor();
    for (const value of [7_000_001, 7_000_002]) {
      await device.publishAsync(topics.telemetry(deviceId), JSON.stringify({ ts: Date.now(), storageFree: value }), { qos: 1 });
      await page.getByTestId('field-storageFree').filter({ hasText: value.toLocaleString('vi-VN') }).waitFor();
    }
    expect(fetches).toHaveLength(1);
  });
});
