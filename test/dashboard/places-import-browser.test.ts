/**
 * The places import in a real browser: an admin picks "Danh sách trường" on the import page, sees the refused lines
 * of a faulty list, imports only the valid rows, then the sample list, and a second upload says nothing changes.
 * A technician is offered the device list only.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { ensureWebBuilt, launchChromium, logIn } from './browser.js';

const PASSWORD = 'quản-trị-viên-2026';
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

describe('the places import in a browser', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ dashboard: startDashboard });
    const { school } = await seedSchool(s.registry);
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', scope: { schoolIds: [school.id] } });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const upload = async (file: string) => {
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('import-preview').waitFor();
  };
  const again = async () => {
    await page.getByTestId('import-again').click();
    await page.getByTestId('import-file').waitFor();
  };

  it('imports a faulty list only with the valid rows, then the sample list, then says a second upload changes nothing', async () => {
    await logIn(page, s.dashboard!.url, 'admin', PASSWORD);
    await page.getByTestId('nav-import').click();
    await page.getByTestId('import-kind-places').check();
    await page.getByTestId('places-export-csv').waitFor();

    await upload(fixture('truong-loi.csv'));
    for (const line of [4, 5, 6, 7, 8, 9, 10, 11, 12]) await page.getByTestId(`import-refused-line-${line}`).waitFor();
    expect(await page.getByTestId('import-refused-line-6').innerText()).toContain('Huyện Mường Khương');
    expect(await page.getByTestId('import-confirm').isDisabled()).toBe(true);
    await page.getByTestId('import-apply-valid').check();
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('import-done').waitFor();
    expect((await s.registry.school('LC-THCS-SAPA'))?.name).toBe('Trường THCS Sa Pa');

    await again();
    await upload(fixture('truong-mau.csv'));
    expect(await page.getByTestId('import-school-LC-MN-BATXAT').getAttribute('data-action')).toBe('create');
    expect(await page.getByTestId('import-district-H-BAT-XAT').getAttribute('data-action')).toBe('create');
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('import-done').waitFor();
    expect((await s.registry.school('LC-MN-BATXAT'))?.level).toBe('mam_non');

    await again();
    await upload(fixture('truong-mau.csv'));
    expect(await page.getByTestId('import-count-create').getAttribute('data-count')).toBe('0');
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('import-done').filter({ hasText: 'không có gì thay đổi' }).waitFor();
  });

  it('offers a technician the device list only', async () => {
    await page.getByTestId('logout').click();
    await page.getByTestId('login-username').waitFor();
    await logIn(page, s.dashboard!.url, 'ktv', PASSWORD);
    await page.getByTestId('nav-import').click();
    await page.getByTestId('register-export-csv').waitFor();
    expect(await page.getByTestId('import-kind').count()).toBe(0);
  });
});
