/**
 * The strict CSP (dashboard/server/security/headers.ts) against the built web app in Chromium: every page a user
 * opens, charts and the live socket included, runs without one Content-Security-Policy violation.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { seedSchool, useTestStack } from '../helpers/stack.js';
import { logIn, useChromium } from './browser.js';

const PASSWORD = 'quản-trị-viên-2025';
const PAGES = ['/', '/devices', '/devices/tablet-csp-01', '/health', '/alerts', '/usage', '/planning', '/kpi', '/tree', '/users', '/audit', '/commands'];

describe('the web app under the strict CSP', () => {
  const s = useTestStack({ dashboard: startDashboard });
  const chromium = useChromium();
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    const { room } = await seedSchool(s.registry);
    await s.registry.addDevice({ kind: 'tablet', roomId: room.id, id: 'tablet-csp-01', name: 'Máy tính bảng CSP' });
    await s.registry.addUser({ username: 'admin', password: PASSWORD, role: 'admin' });
    await s.directory.refresh();
    page = await chromium.page();
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`Content-Security-Policy: ${e.violatedDirective} ${e.blockedURI}`));
    });
  });

  it('opens every page with the live socket connected and no CSP violation', async () => {
    await logIn(page, s.dashboard!.url, 'admin', PASSWORD);
    for (const path of PAGES) {
      await page.goto(s.dashboard!.url + path);
      await page.getByTestId('current-user').waitFor();
      // Socket.IO is same-origin: the live connection went through connect-src 'self'.
      await page.locator('[data-testid="conn-status"][data-connected="true"]').waitFor();
      await page.waitForLoadState('networkidle');
    }
    expect(violations).toEqual([]);
  });
});
