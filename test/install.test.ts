import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { WEB_DIST } from '../dashboard/server/web.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Top-level folders that tsconfig.build.json leaves out of dist/ on purpose. */
const NOT_COMPILED = new Set(['node_modules', 'dist', 'data', 'test', 'bench', 'scripts', 'docs', 'bin', 'scenarios']);

interface LockEntry { optionalDependencies?: Record<string, string>; dev?: boolean }
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

/** Where Node would find `name` from the package installed at `from` (a lock key): its own node_modules, then up. */
function locate(from: string, name: string): string | undefined {
  for (let base = from; ; base = base.includes('/node_modules/') ? base.slice(0, base.lastIndexOf('/node_modules/')) : '') {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (base === '') return undefined;
  }
}

describe('the install', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'edufleet-install-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("locks every platform's optional packages, so npm ci accepts the lock file on any machine", () => {
    // npm leaves out other platforms' packages (rollup's, esbuild's) when it rewrites the lock over an existing
    // node_modules (npm/cli#4828); `npm ci` then stops with "Missing: @rollup/rollup-… from lock file".
    const missing = Object.entries(lock.packages).flatMap(([at, entry]) =>
      Object.keys(entry.optionalDependencies ?? {}).filter((name) => !locate(at, name)).map((name) => `${at || '(root)'} → ${name}`));
    expect(missing).toEqual([]);
  });

  it('runs no TypeScript compiler in production: tsx is a development dependency only', () => {
    expect(pkg.dependencies).not.toHaveProperty('tsx');
    expect(lock.packages['node_modules/tsx']?.dev).toBe(true);
  });

  it('the compiled code needs only runtime dependencies, so `npm prune --omit=dev` leaves it running', () => {
    const files = readdirSync(path.join(ROOT, 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    const specifiers = files.flatMap((f) => [...readFileSync(path.join(ROOT, 'dist', f), 'utf8').matchAll(/(?:from |import |import\(|require(?:\.resolve)?\()'([^'.][^']*)'/g)].map((m) => m[1]!));
    const packages = new Set(specifiers.filter((s) => !s.startsWith('node:')).map((s) => s.split('/').slice(0, s.startsWith('@') ? 2 : 1).join('/')));
    expect(packages).toContain('fastify');
    expect([...packages].filter((p) => !(p in pkg.dependencies))).toEqual([]);
  });

  it('compiles every top-level source folder into dist/, a new one included', () => {
    const sources = readdirSync(ROOT).filter((f) => !f.startsWith('.') && !NOT_COMPILED.has(f) && statSync(path.join(ROOT, f)).isDirectory());
    const compiled = sources.filter((f) => existsSync(path.join(ROOT, 'dist', f)));
    expect(sources).toContain('cli');
    expect(compiled).toEqual(sources);
    expect(existsSync(path.join(ROOT, 'dist', 'dashboard', 'web'))).toBe(false);
  });

  it('the compiled dashboard serves the web app from where the sources find it', async () => {
    const probe = `import('./dist/dashboard/server/web.js').then((m) => process.stdout.write(m.WEB_DIST))`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: ROOT });
    expect(stdout).toBe(WEB_DIST);
    expect(WEB_DIST).toBe(path.join(ROOT, 'dashboard', 'web', 'dist'));
  });

  it('bin/edufleet.mjs without a build says how to build and exits non-zero', async () => {
    mkdirSync(path.join(tmp, 'bin'));
    copyFileSync(path.join(ROOT, 'bin', 'edufleet.mjs'), path.join(tmp, 'bin', 'edufleet.mjs'));
    const err = await run(process.execPath, [path.join(tmp, 'bin', 'edufleet.mjs'), 'start']).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/run npm run setup \(or npm run build\)/);
  });
});
