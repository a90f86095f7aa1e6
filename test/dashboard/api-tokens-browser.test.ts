/**
 * The API tokens screen (dashboard/web/src/features/api-tokens) in Chromium: an admin creates a read-only token whose
 * value is shown once with a copy button and a warning, then never again; the machine's first call shows as its last
 * use; revoking asks first and the token is refused from then on; the screen speaks English on the switch, fits a
 * phone, and is not offered to other roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startDashboard } from '../../dashboard/server/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { logIn, useChromium } from './browser.js';

const PASSWORD = 'quản-trị-mã-api';

describe('the API tokens screen in a browser', () => {
  const chromium = useChromium();
  let s: TestStack;
  let page: Page;
  let token = '';
  let rowId = '';
  /** The question of the confirmation dialog that is open (the page keeps its dialogs in the DOM, closed). */
  const question = () => page.locator('dialog[open] [data-testid="confirm-question"]');
  const confirmOk = () => page.locator('dialog[open] [data-testid="confirm-ok"]').click();
  const kpi = async () => (await fetch(`${s.dashboard!.url}/api/kpi`, { headers: { authorization: `Bearer ${token}` } })).status;

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    await seedSchool(s.registry);
    await s.registry.addUser({ username: 'quan-tri', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'ke-hoach', password: PASSWORD, role: 'planner' });
    page = await chromium.page();
  });
  afterAll(async () => { await s?.close(); });

  it('creates a token, shows it once with a copy button and a warning, and never again', async () => {
    await logIn(page, s.dashboard!.url, 'quan-tri', PASSWORD);
    await page.getByTestId('nav-tokens').filter({ hasText: 'Mã truy cập API' }).click();
    await page.getByRole('heading', { name: 'Mã truy cập API' }).waitFor();
    await page.getByTestId('tokens-none').waitFor();
    await page.getByTestId('token-create-open').click();
    await page.getByTestId('token-name').fill('Trung tâm điều hành tỉnh');
    await page.getByTestId('token-role').selectOption('planner');
    await page.getByTestId('token-submit').click();

    const panel = page.getByTestId('token-secret');
    await panel.waitFor();
    expect(await panel.textContent()).toContain('chỉ hiển thị MỘT LẦN');
    token = (await page.getByTestId('token-secret-value').textContent())!;
    expect(token).toMatch(/^efk_[A-Za-z0-9_-]{43}$/);
    await page.getByTestId('token-copy').click();
    // The clipboard needs a permission headless Chromium may not grant: either way the user is told what happened.
    await page.locator('[data-testid="token-copied"], [data-testid="token-copy-failed"]').first().waitFor();

    await page.getByTestId('token-secret-done').click();
    expect(await question().textContent()).toContain('không hiển thị lại');
    await confirmOk();
    await panel.waitFor({ state: 'detached' });
    const row = page.locator('[data-testid^="token-row-"]');
    await row.waitFor();
    rowId = (await row.getAttribute('data-testid'))!.replace('token-row-', '');
    expect(await row.textContent()).toContain(`${token.slice(0, 12)}…`);
    expect(await page.content()).not.toContain(token);
    expect(await page.getByTestId(`token-access-${rowId}`).textContent()).toBe('Chỉ đọc');
    expect(await page.getByTestId(`token-state-${rowId}`).textContent()).toBe('Đang hiệu lực');
    expect(await page.getByTestId(`token-used-${rowId}`).textContent()).toBe('Chưa dùng');

    // The machine calls once; the list shows when.
    expect(await kpi()).toBe(200);
    await page.reload();
    await page.getByTestId(`token-used-${rowId}`).filter({ hasNotText: 'Chưa dùng' }).waitFor();
  });

  it('revokes a token after asking, and the token is refused from then on', async () => {
    await page.getByTestId(`token-revoke-${rowId}`).click();
    expect(await question().textContent()).toContain('Trung tâm điều hành tỉnh');
    await confirmOk();
    await page.getByTestId(`token-state-${rowId}`).filter({ hasText: 'Đã thu hồi' }).waitFor();
    expect(await page.getByTestId(`token-revoke-${rowId}`).count()).toBe(0);
    expect(await kpi()).toBe(401);
  });

  it('switches to English and fits a phone 390 px wide', async () => {
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    expect(await page.getByTestId(`token-state-${rowId}`).textContent()).toBe('Revoked');
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Mã truy cập API' }).waitFor();

    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByTestId('token-create-open').click();
    await page.getByTestId('token-form').waitFor();
    expect(await page.locator('.tokens-table thead').isVisible()).toBe(false);
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth,
      wide: [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 3).map((el) => `${el.tagName}.${el.className}`) }));
    expect(widths.wide).toEqual([]);
    expect(widths.page).toBeLessThanOrEqual(widths.view);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('is not offered to a planner, and says so at its address', async () => {
    await page.getByTestId('logout').click();
    await logIn(page, s.dashboard!.url, 'ke-hoach', PASSWORD);
    expect(await page.getByTestId('nav-tokens').count()).toBe(0);
    await page.goto(`${s.dashboard!.url}/tokens`);
    await page.getByTestId('forbidden').waitFor();
  });
});
