/**
 * The notification recipients screen in a real browser: a technician of one school adds an e-mail recipient and a
 * webhook (whose secret is shown once, with the signature header), sees both listed and the latest delivery to
 * one, replaces the webhook's secret (shown once again), and removes one after confirming; a planner has no entry for it and is told the screen is not theirs.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { logIn, useChromium } from './browser.js';

const PASSWORD = 'kỹ-thuật-viên-2025';
const EMAIL = 'to.thietbi@thptchuyen.edu.vn';
const HOOK = 'https://hooks.so-gd.laocai.gov.vn/edufleet';

describe('the notification recipients screen in a browser', () => {
  let s: TestStack;
  const chromium = useChromium();
  let page: Page;
  let place: Awaited<ReturnType<typeof seedSchool>>;

  beforeAll(async () => {
    s = await startTestStack({ only: ['dashboard'], dashboard: startDashboard });
    place = await seedSchool(s.registry);
    await s.registry.addUser({ username: 'ktv', password: PASSWORD, role: 'technician', displayName: 'Kỹ thuật viên', scope: { schoolIds: [place.school.id] } });
    await s.registry.addUser({ username: 'ke-hoach', password: PASSWORD, role: 'planner', displayName: 'Phòng Kế hoạch' });
    page = await chromium.page();
  });

  afterAll(async () => {
    await s?.close();
  });

  const row = (address: string) => page.locator('[data-testid="recip-row"]', { hasText: address });

  it('adds an e-mail recipient and a webhook for the technician\'s school, showing the webhook\'s secret once', async () => {
    await logIn(page, s.dashboard!.url, 'ktv', PASSWORD);
    await page.getByTestId('nav-recipients').click();
    await page.getByTestId('recip-none').waitFor();
    expect(await page.locator('h1').innerText()).toBe('Người nhận thông báo');

    await page.getByTestId('recip-add').click();
    // A technician manages their schools only: no district or province to choose.
    expect(await page.getByTestId('recip-where').locator('option').allInnerTexts()).toEqual([place.school.name]);
    await page.getByTestId('recip-address').fill('không-phải-email');
    await page.getByTestId('recip-save').click();
    expect(await page.getByTestId('recip-form-error').innerText()).toContain('Địa chỉ e-mail không hợp lệ');
    await page.getByTestId('recip-address').fill(`${EMAIL}, hieutruong@thptchuyen.edu.vn`);
    await page.getByTestId('recip-save').click();
    expect(await page.getByTestId('recip-form-error').innerText()).toContain('Mỗi người nhận e-mail chỉ có một địa chỉ');
    await page.getByTestId('recip-address').fill(EMAIL);
    await page.getByTestId('recip-severity').selectOption('critical');
    await page.getByTestId('recip-digest').check();
    await page.getByTestId('recip-save').click();
    await row(EMAIL).waitFor();
    expect(await page.getByTestId('recip-secret-panel').count()).toBe(0);
    const text = await row(EMAIL).innerText();
    for (const want of [place.school.name, 'Chỉ nghiêm trọng', 'E-mail', 'Tiếng Việt', 'Có', 'ktv']) expect(text).toContain(want);

    await page.getByTestId('recip-add').click();
    await page.getByTestId('recip-channel').selectOption('webhook');
    await page.getByTestId('recip-address').fill(HOOK);
    await page.getByTestId('recip-language').selectOption('en');
    await page.getByTestId('recip-save').click();
    await page.getByTestId('recip-secret-panel').waitFor();
    const secret = await page.getByTestId('recip-secret').innerText();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(await page.getByTestId('recip-secret-header').innerText()).toContain('X-EduFleet-Signature');
    await row(HOOK).waitFor();
    expect(await row(HOOK).innerText()).toContain('Tiếng Anh');

    const stored = await s.registry.recipients();
    expect(stored.map((r) => ({ ...r, id: 0, createdAt: 0 })).sort((a, b) => a.address.localeCompare(b.address))).toEqual([
      { id: 0, schoolId: place.school.id, districtId: null, minSeverity: 'warning', channel: 'webhook', address: HOOK, secret, language: 'en', digest: false, createdBy: 'ktv', createdAt: 0 },
      { id: 0, schoolId: place.school.id, districtId: null, minSeverity: 'critical', channel: 'email', address: EMAIL, secret: null, language: 'vi', digest: true, createdBy: 'ktv', createdAt: 0 },
    ]);

    // Once: dismissed, and not there after a reload either.
    await page.getByTestId('recip-secret-done').click();
    await page.getByTestId('recip-secret-panel').waitFor({ state: 'detached' });
    await page.reload();
    await row(HOOK).waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it('shows the latest delivery attempts, in English on the switch', async () => {
    const hook = (await s.registry.recipients()).find((r) => r.channel === 'webhook')!;
    await s.registry.logNotificationAttempt({ recipientId: hook.id, at: Date.now(), kind: 'alerts', items: 3, ok: false, status: 502, error: 'Bad Gateway', deliveryId: `${hook.id}-42`, gaveUp: true });
    await page.reload();
    const attempt = page.locator(`[data-testid="attempt-row"][data-recipient="${hook.id}"]`);
    await attempt.waitFor();
    expect(await attempt.getAttribute('data-ok')).toBe('false');
    for (const want of [HOOK, 'Cảnh báo', '3', 'Thất bại', 'Đã dừng gửi lại', '502', 'Bad Gateway', `${hook.id}-42`]) expect(await attempt.innerText()).toContain(want);

    await page.getByTestId('lang-switch').click();
    await page.locator('h1', { hasText: 'Notification recipients' }).waitFor();
    expect(await attempt.getByTestId('attempt-result').innerText()).toBe('Failed');
    await page.getByTestId('lang-switch').click();
    await page.locator('h1', { hasText: 'Người nhận thông báo' }).waitFor();
  });

  it('replaces a webhook\'s secret from its row after confirming, showing the new one once', async () => {
    const before = (await s.registry.recipients()).find((r) => r.channel === 'webhook')!.secret;
    expect(await row(EMAIL).getByTestId('recip-rotate').count()).toBe(0);
    await row(HOOK).getByTestId('recip-rotate').click();
    expect(await page.locator('dialog[open] [data-testid="confirm-question"]').innerText()).toContain('Khoá cũ ngừng hoạt động ngay');
    await page.locator('dialog[open] [data-testid="confirm-ok"]').click();
    await page.getByTestId('recip-secret-panel').waitFor();
    const secret = await page.getByTestId('recip-secret').innerText();
    expect(secret).not.toBe(before);
    expect((await s.registry.recipients()).find((r) => r.channel === 'webhook')!.secret).toBe(secret);
    expect(await page.getByTestId('recip-secret-panel').innerText()).toContain('X-EduFleet-Delivery');
    await page.getByTestId('recip-secret-done').click();
    await page.getByTestId('recip-secret-panel').waitFor({ state: 'detached' });
  });

  it('removes a recipient after confirming, and keeps it on cancel', async () => {
    await row(EMAIL).getByTestId('recip-remove').click();
    expect(await page.locator('dialog[open] [data-testid="confirm-question"]').innerText()).toContain(EMAIL);
    await page.locator('dialog[open] [data-testid="confirm-cancel"]').click();
    expect(await row(EMAIL).count()).toBe(1);

    await row(EMAIL).getByTestId('recip-remove').click();
    await page.locator('dialog[open] [data-testid="confirm-ok"]').click();
    await row(EMAIL).waitFor({ state: 'detached' });
    expect(await row(HOOK).count()).toBe(1);
    expect((await s.registry.recipients()).map((r) => r.address)).toEqual([HOOK]);
  });

  it('gives a planner no entry for the screen and tells them it is not theirs on its URL', async () => {
    await page.getByTestId('logout').click();
    await logIn(page, s.dashboard!.url, 'ke-hoach', PASSWORD);
    await page.getByTestId('nav-overview').waitFor();
    expect(await page.getByTestId('nav-recipients').count()).toBe(0);
    await page.goto(`${s.dashboard!.url}/recipients`);
    await page.getByTestId('current-user').waitFor();
    expect(await page.getByTestId('forbidden').innerText()).toBe('Bạn không có quyền xem mục này.');
    expect(await page.getByTestId('recip-list').count()).toBe(0);
    expect(await page.getByTestId('recip-add').count()).toBe(0);
  });
});
