/**
 * The web app's shared data in a real browser: the hierarchy the filters read is cached, and a room added on the tree
 * page makes it stale, so the devices page's room filter shows the new room at once, without a reload.
 */
import { rmSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { ensureWebBuilt, launchChromium, logIn } from './browser.js';

const PASSWORD = 'quản-trị-viên-2025';

describe('the hierarchy cache in a browser', () => {
  let s: TestStack;
  let context: BrowserContext | undefined;
  let profile = '';
  let page: Page;
  let seeded: Awaited<ReturnType<typeof seedSchool>>;

  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
    s = await startTestStack({ dashboard: startDashboard });
    seeded = await seedSchool(s.registry);
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin', displayName: 'Quản trị Sở' });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await s?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const roomOptions = () => page.getByTestId('filter-room').locator('option').allInnerTexts();

  it('shows a room added on the tree page in the devices filter without a reload', async () => {
    await logIn(page, s.dashboard!.url, 'admin', PASSWORD);
    // The devices page reads the hierarchy first, so the app holds it when the room is added.
    await page.getByTestId('nav-devices').click();
    await page.getByTestId('filter-school').selectOption(String(seeded.school.id));
    await expect.poll(roomOptions).toContain(seeded.room.name);
    expect(await roomOptions()).not.toContain('Phòng STEM mới');
    // A reload would drop this mark: the app must stay the same page throughout.
    await page.evaluate(() => { (window as unknown as { __sameApp: boolean }).__sameApp = true; });

    await page.getByTestId('nav-tree').click();
    const path = [`district-${seeded.district.id}`, `school-${seeded.school.id}`];
    for (let i = 0; i < path.length; i++) {
      const next = page.getByTestId(i + 1 < path.length ? `tree-node-${path[i + 1]}` : `tree-node-site-${seeded.site.id}`);
      if (!(await next.isVisible())) await page.getByTestId(`tree-toggle-${path[i]}`).click();
      await next.waitFor();
    }
    await page.getByTestId(`tree-node-site-${seeded.site.id}`).click();
    await page.getByTestId('place-new-room').click();
    await page.getByTestId('place-code').fill('P.STEM2');
    await page.getByTestId('place-name').fill('Phòng STEM mới');
    await page.getByTestId('place-type').selectOption('stem_room');
    await page.getByTestId('place-create').click();
    await page.getByTestId('place-title').filter({ hasText: 'Phòng STEM mới' }).waitFor();

    await page.getByTestId('nav-devices').click();
    await page.getByTestId('filter-school').selectOption(String(seeded.school.id));
    await expect.poll(roomOptions).toContain('Phòng STEM mới');
    expect(await page.evaluate(() => (window as unknown as { __sameApp?: boolean }).__sameApp)).toBe(true);
  });

  it('shows a room another user added once a page that reads the hierarchy mounts again, without a reload', async () => {
    await page.getByTestId('nav-devices').click();
    await page.getByTestId('filter-school').selectOption(String(seeded.school.id));
    await expect.poll(roomOptions).toContain('Phòng STEM mới');
    expect(await roomOptions()).not.toContain('Phòng Tin học 3');
    // Written straight to the registry, as another dashboard or an import would: no write of this app invalidates it.
    await s.registry.ensureRoom({ siteId: seeded.site.id, code: 'P.TIN3', name: 'Phòng Tin học 3', type: 'computer_room' });

    await page.getByTestId('nav-tree').click();
    await page.getByTestId('nav-devices').click();
    await page.getByTestId('filter-school').selectOption(String(seeded.school.id));
    await expect.poll(roomOptions).toContain('Phòng Tin học 3');
    expect(await page.evaluate(() => (window as unknown as { __sameApp?: boolean }).__sameApp)).toBe(true);
  });
});
