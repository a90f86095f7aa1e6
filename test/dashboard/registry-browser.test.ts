/**
 * The registry in a real browser: a technician imports the sample list (upload, preview, confirm) and finds the
 * devices in the tree; a device name carrying HTML and script (from an imported file) is shown as text, never run.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { MAU, sampleRecords, seedSchools } from '../helpers/samples.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { ensureWebBuilt, launchChromium, logIn } from './browser.js';

const PASSWORD = 'kỹ-thuật-viên-2025';
const EVIL = `<img src=x onerror="window.__pwned=1">Bảng <script>window.__pwned=2</script><b>đậm</b>`;

describe('the registry in a browser', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  const rows = sampleRecords(MAU);

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ dashboard: startDashboard });
    await seedSchools(s.registry);
    const schoolIds = (await s.registry.schools()).map((x) => x.id);
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', displayName: 'Kỹ thuật viên Sở', scope: { schoolIds } });
    page = context.pages()[0] ?? (await context.newPage());
    // A script that runs would set window.__pwned; dialogs would block the page.
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const importFile = async (file: string) => {
    await page.getByTestId('nav-import').click();
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('import-counts').waitFor();
  };

  it('lets a technician import the sample list: upload, preview, confirm, then see the devices in the tree', async () => {
    await logIn(page, s.dashboard!.url, 'ktv', PASSWORD);
    await page.getByTestId('nav-import').waitFor();

    await importFile(MAU);
    await expect.poll(() => page.getByTestId('import-count-create').innerText()).toContain(String(rows.length));
    expect(await page.getByTestId('import-count-refused').innerText()).toContain('0');
    // Nothing is in the registry before the confirmation.
    expect((await s.registry.listDevices()).total).toBe(0);
    await page.getByTestId('import-rows').filter({ hasText: rows[0]!['Mã thiết bị']! }).waitFor();
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('import-done').waitFor();
    expect((await s.registry.listDevices()).total).toBe(rows.length);

    // The tree: the school, its site, the room, and the room's devices with their names from the file.
    const first = rows[0]!;
    const device = (await s.registry.deviceByCode(first['Mã thiết bị']!))!;
    await page.getByTestId('nav-tree').click();
    await page.getByTestId('tree').waitFor();
    const roomNode = page.getByTestId(`tree-node-room-${device.roomId}`);
    // Open the path to the room as a user would: district (or "directly under the Sở"), school, site.
    const place = (await s.registry.roomPlaces([device.roomId])).get(device.roomId)!;
    const path = [place.districtId === null ? 'direct' : `district-${place.districtId}`, `school-${place.schoolId}`, `site-${place.siteId}`];
    for (let i = 0; i < path.length; i++) {
      const next = i + 1 < path.length ? page.getByTestId(`tree-node-${path[i + 1]}`) : roomNode;
      if (!(await next.isVisible())) await page.getByTestId(`tree-toggle-${path[i]}`).click();
      await next.waitFor();
    }
    await roomNode.click();
    const inRoom = rows.filter((r) => r['Mã trường'] === first['Mã trường'] && r['Phòng'] === first['Phòng'] && (r['Điểm trường'] || 'Điểm chính') === (first['Điểm trường'] || 'Điểm chính'));
    const table = page.getByTestId('room-devices');
    for (const r of inRoom) await table.filter({ hasText: r['Tên thiết bị'] || r['Mã thiết bị']! }).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(inRoom.length);
  });

  it('shows a device name with HTML and script in it as text, in the preview, the list, the tree and the device page', async () => {
    const file = path.join(s.dir, 'doc-hai.csv');
    const first = rows[0]!;
    writeFileSync(file, `Mã thiết bị,Tên thiết bị,Loại thiết bị,Mã trường,Điểm trường,Phòng\nXSS-1,"${EVIL.replace(/"/g, '""')}",Bảng tương tác,${first['Mã trường']},${first['Điểm trường'] || 'Điểm chính'},${first['Phòng']}\n`);
    expect(readFileSync(file, 'utf8')).toContain('<script>');
    await importFile(file);
    await page.getByTestId('import-rows').filter({ hasText: '<script>' }).waitFor();
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('import-done').waitFor();
    const id = (await s.registry.deviceByCode('XSS-1'))!.id;

    const checkPage = async (where: string) => {
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), where).toBeUndefined();
      expect(await page.locator('img[src="x"]').count(), where).toBe(0);
      expect(await page.locator('main script').count(), where).toBe(0);
      expect(await page.locator('main b', { hasText: 'đậm' }).count(), where).toBe(0);
    };
    await checkPage('import preview');

    await page.getByTestId('nav-devices').click();
    await page.getByTestId('device-search').fill('XSS-1');
    await page.getByTestId(`device-row-${id}`).filter({ hasText: '<img src=x' }).waitFor();
    await checkPage('device list');

    await page.getByTestId(`device-row-${id}`).getByRole('link').first().click();
    await page.getByTestId('device-title').filter({ hasText: '<script>window.__pwned=2</script>' }).waitFor();
    await checkPage('device page');

    const roomId = (await s.registry.device(id))!.roomId;
    await page.goto(`${s.dashboard!.url}/tree?room=${roomId}`);
    await page.getByTestId('room-devices').filter({ hasText: '<b>đậm</b>' }).waitFor();
    await checkPage('tree');
  });
});
