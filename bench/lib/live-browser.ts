import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { topics } from '../../protocol/index.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's headless Chromium with the flags of test/dashboard/browser.ts; each role gets its own context (cookies). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** A context logged in through the login form, as a person would; the page is left on the user's home screen. */
export async function loggedIn(browser: Browser, base: string, username: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(base);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-user').waitFor({ timeout: 60_000 });
  return { context, page };
}

// The page scripts are plain strings: functions handed to Playwright would carry tsx's `__name` helper, which the
// page does not have.
const seenScript = (value: number) => `window.__benchSeen = new Promise((resolve) => {
  const mo = new MutationObserver(() => {
    const cell = document.querySelector('[data-testid="field-storageFree"]');
    if (cell && cell.textContent.replace(/\\D/g, '') === '${value}') { mo.disconnect(); resolve(Date.now()); }
  });
  mo.observe(document.body, { subtree: true, childList: true, characterData: true });
}); undefined`;
const drawnScript = (selector: string) => `(() => {
  const mo = new MutationObserver(() => {
    if (window.__benchDrawn === undefined && document.querySelector(${JSON.stringify(selector)})) { window.__benchDrawn = performance.now(); mo.disconnect(); }
  });
  mo.observe(document, { subtree: true, childList: true });
})()`;

/**
 * Publish → visible: before each sample the page gets a MutationObserver that notes `Date.now()` when the
 * device page's storageFree cell shows the sample's value; the bench notes `Date.now()` just before it publishes
 * that value from the device's own connection (same machine, same clock). The values (7,000,000 + i) appear in no
 * other reading. A random pause (0.1–1.2 s) between samples spreads the publishes over the live tick's phase.
 */
export async function publishToDom(page: Page, client: MqttClient, deviceId: string, samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const value = 7_000_000 + i;
    await page.evaluate(seenScript(value));
    const sentAt = Date.now();
    client.publish(topics.telemetry(deviceId), JSON.stringify({ ts: sentAt, storageFree: value }), { qos: 1 });
    const seenAt = await Promise.race([
      page.evaluate('window.__benchSeen') as Promise<number>,
      new Promise<never>((_, reject) => setTimeout(() => {
        void page.evaluate('document.querySelector(\'[data-testid="field-storageFree"]\')?.textContent').then((shown) =>
          reject(new Error(`sample ${i}: value ${value} not on the device page within 15 s (it shows ${String(shown)})`)), reject);
      }, 15_000)),
    ]);
    out.push(seenAt - sentAt);
    // Uniform over more than a 1 s tick: a pause shorter than the tick would correlate the publish with its phase.
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 1_100));
  }
  return out;
}

/**
 * Navigation start → the first element matching `selector` in the DOM, from a fresh tab of a logged-in context:
 * an init script (run before the app's own) watches the document and notes `performance.now()`, which counts from
 * the navigation's start.
 */
export async function firstRenderMs(context: BrowserContext, url: string, selector: string): Promise<number> {
  const page = await context.newPage();
  try {
    await page.addInitScript(drawnScript(selector));
    await page.goto(url);
    await page.locator(selector).first().waitFor({ state: 'attached', timeout: 120_000 });
    return Math.round(await page.evaluate('window.__benchDrawn') as number);
  } finally {
    await page.close();
  }
}
