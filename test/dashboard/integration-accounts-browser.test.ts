/**
 * The integration accounts' screen "Tài khoản tích hợp" (dashboard/web/src/features/integrations) in Chromium: an admin
 * creates an account of one district from the form, its secret is shown once with a copy button and logs a real MQTT
 * client in; the list shows its scope and last connection; revoking asks first and closes that client; the screen
 * speaks English on the switch, fits a phone, and is not offered to a planner.
 */
import type { MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { seedSchool, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { connectAccount } from '../broker/integration-helpers.js';
import { logIn, useChromium } from './browser.js';

const PASSWORD = 'quản-trị-tích-hợp';
const NAME = 'ioc-tp-lao-cai';

describe('the integration accounts screen in a browser', () => {
  const chromium = useChromium();
  let s: TestStack;
  let page: Page;
  let secret = '';
  let client: MqttClient | undefined;
  let closed = false;
  const question = () => page.locator('dialog[open] [data-testid="confirm-question"]');
  const confirmOk = () => page.locator('dialog[open] [data-testid="confirm-ok"]').click();

  beforeAll(async () => {
    s = await startTestStack({ dashboard: startDashboard });
    await seedSchool(s.registry);
    await s.registry.addUser({ username: 'quan-tri', password: PASSWORD, role: 'admin' });
    await s.registry.addUser({ username: 'ke-hoach', password: PASSWORD, role: 'planner' });
    page = await chromium.page();
  });
  afterAll(async () => {
    await client?.endAsync(true);
    await s?.close();
  });

  it('creates an account of one district, shows its secret once with a copy button, and the secret logs an MQTT client in', async () => {
    await logIn(page, s.dashboard!.url, 'quan-tri', PASSWORD);
    await page.getByTestId('nav-integrations').filter({ hasText: 'Tài khoản tích hợp' }).click();
    await page.getByRole('heading', { name: 'Tài khoản tích hợp' }).waitFor();
    await page.getByTestId('integrations-none').waitFor();
    await page.getByTestId('integration-create-open').click();
    // The form explains patterns with examples.
    expect(await page.getByTestId('integration-form').textContent()).toContain('edu/v1/+/telemetry');
    await page.getByTestId('integration-name').fill(NAME);
    await page.getByTestId('integration-client-id').fill('ioc-*');
    await page.getByTestId('integration-read').fill('edu/v1/+/telemetry\nedu/v1/+/status');
    await page.getByTestId('integration-write').fill('ioc/#');
    await page.getByTestId('integration-scope').selectOption('district');
    await page.getByTestId('integration-place').selectOption({ label: 'Thành phố Lào Cai' });
    await page.getByTestId('integration-submit').click();

    const panel = page.getByTestId('integration-secret');
    await panel.waitFor();
    expect(await panel.textContent()).toContain('chỉ hiển thị MỘT LẦN');
    secret = (await page.getByTestId('integration-secret-value').textContent())!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.getByTestId('integration-copy').click();
    await page.locator('[data-testid="integration-copied"], [data-testid="integration-copy-failed"]').first().waitFor();
    await page.getByTestId('integration-secret-done').click();
    expect(await question().textContent()).toContain('không hiển thị lại');
    await confirmOk();
    await panel.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(secret);
    expect(await page.getByTestId(`integration-state-${NAME}`).textContent()).toBe('Đang hoạt động');
    expect(await page.getByTestId(`integration-scope-${NAME}`).textContent()).toBe('Thành phố Lào Cai');
    expect(await page.getByTestId(`integration-connected-${NAME}`).textContent()).toBe('Chưa kết nối');

    // The broker reads the accounts each second; now rather than at its next poll.
    await s.integrations!.reload();
    ({ client } = await connectAccount(s.mqttUrl, NAME, secret, 'ioc-1'));
    client.on('close', () => { closed = true; });
    await waitFor('the last connection in the list', async () => {
      await page.reload();
      await page.getByTestId(`integration-connected-${NAME}`).waitFor();
      return (await page.getByTestId(`integration-connected-${NAME}`).textContent()) !== 'Chưa kết nối';
    }, 20_000, 500);
  });

  it('refuses a pattern outside what MQTT allows with the registry\'s message', async () => {
    await page.getByTestId('integration-create-open').click();
    await page.getByTestId('integration-name').fill('ioc-sai-mau');
    await page.getByTestId('integration-read').fill('edu/#/telemetry');
    await page.getByTestId('integration-submit').click();
    expect(await page.getByTestId('integration-form-error').textContent()).toContain("read pattern 'edu/#/telemetry' is not an MQTT topic filter");
    await page.getByTestId('integration-form').getByRole('button', { name: 'Huỷ' }).click();
  });

  it('revokes the account after asking, which closes its connected MQTT client', async () => {
    await page.getByTestId(`integration-revoke-${NAME}`).click();
    expect(await question().textContent()).toContain(NAME);
    await confirmOk();
    await page.getByTestId(`integration-state-${NAME}`).filter({ hasText: 'Đã thu hồi' }).waitFor();
    expect(await page.getByTestId(`integration-revoke-${NAME}`).count()).toBe(0);
    await waitFor('the MQTT client closed by the broker', () => closed, 10_000);
  });

  it('switches to English and fits a phone 390 px wide', async () => {
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Integration accounts' }).waitFor();
    expect(await page.getByTestId(`integration-state-${NAME}`).textContent()).toBe('Revoked');
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Tài khoản tích hợp' }).waitFor();

    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByTestId('integration-create-open').click();
    await page.getByTestId('integration-form').waitFor();
    expect(await page.locator('.tokens-table thead').isVisible()).toBe(false);
    const wide = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
      .slice(0, 3).map((el) => `${el.tagName}.${el.className}`));
    expect(wide).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('is not offered to a planner, and says so at its address', async () => {
    await page.getByTestId('logout').click();
    await logIn(page, s.dashboard!.url, 'ke-hoach', PASSWORD);
    expect(await page.getByTestId('nav-integrations').count()).toBe(0);
    await page.goto(`${s.dashboard!.url}/integrations`);
    await page.getByTestId('forbidden').waitFor();
  });
});
