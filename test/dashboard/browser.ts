import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from '../helpers/stack.js';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds the web app when dashboard/web/dist is missing (CI builds it in `npm run setup`). */
export function ensureWebBuilt(): void {
  if (existsSync(path.join(ROOT, 'dashboard/web/dist/index.html'))) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'dashboard/web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

/**
 * Debian's headless Chromium with a fresh profile; a missing binary fails, naming the command that installs it.
 * Playwright refuses `--user-data-dir` in `launch()` args, so the fresh temporary profile goes through
 * `launchPersistentContext`, which passes it to Chromium as that same flag.
 */
export async function launchChromium(): Promise<{ context: BrowserContext; profile: string }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`npm run setup\`, which installs Chromium for the browser tests`);
  const profile = tempDir('edufleet-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return { context, profile };
}

/**
 * One Chromium with a fresh profile for the tests of a file: launched before them (the web app built first), closed
 * and its profile removed after them. Call at the top of a describe; `page()` in a hook or test gives its tab.
 */
export function useChromium(): { page(): Promise<Page> } {
  let context: BrowserContext | undefined;
  let profile = '';
  beforeAll(async () => {
    ensureWebBuilt();
    ({ context, profile } = await launchChromium());
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });
  return { page: async () => context!.pages()[0] ?? (await context!.newPage()) };
}

/** Opens the dashboard and logs in through the login form, as a person would. */
export async function logIn(page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-user').waitFor();
}
