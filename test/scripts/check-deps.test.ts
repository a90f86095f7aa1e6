/**
 * The dependency watch of `npm run check` (scripts/check-deps.ts), run as CI runs it, on scratch copies of a project:
 * a production dependency planted far behind the npm registry's latest fails the check, naming it, until a reason is
 * recorded; a registry that cannot be reached fails it too, saying so. Needs the npm registry, as CI has.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/stack.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'scripts', 'check-deps.ts');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');

/** The script on `dir`; its exit code and output (a failing check is an answer here, not an error). */
async function checkDeps(dir: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, ['--import', TSX, SCRIPT, '--dir', dir], { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/**
 * A scratch project: package.json with uuid 3 (the registry's latest is many majors on) as a production dependency
 * and ms 0.7 as a development one. node_modules holds only their package.json files: that is all `npm outdated` reads
 * of an installed package, so nothing is downloaded or installed.
 */
function scratch(holds?: object): string {
  const dir = tempDir('edufleet-check-deps-');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'scratch', version: '1.0.0', private: true, dependencies: { uuid: '^3.4.0' }, devDependencies: { ms: '^0.7.0' },
  }));
  for (const [name, version] of [['uuid', '3.4.0'], ['ms', '0.7.0']]) {
    mkdirSync(path.join(dir, 'node_modules', name!), { recursive: true });
    writeFileSync(path.join(dir, 'node_modules', name!, 'package.json'), JSON.stringify({ name, version }));
  }
  if (holds) writeFileSync(path.join(dir, 'dependency-holds.json'), JSON.stringify({ holds }));
  return dir;
}

describe('the dependency check', () => {
  const dirs: string[] = [];
  /** A "registry" that drops every connection: what an unreachable one looks like to npm. */
  let deaf: Server;
  beforeAll(async () => {
    deaf = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => deaf.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => deaf.close(() => resolve()));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const project = (holds?: object) => {
    const d = scratch(holds);
    dirs.push(d);
    return d;
  };

  it('fails on a production dependency more than one major behind, naming it, and ignores development ones', async () => {
    const r = await checkDeps(project());
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/uuid: 3\.4\.0 installed, latest \d+\.\d+\.\d+ \(\d+ major versions behind\), no reason recorded/);
    expect(r.out).not.toMatch(/\bms:/);
  });

  it('passes when a reason is recorded against the current latest major, and fails again when that reason is stale', async () => {
    const latest = /latest (\d+)\./.exec((await checkDeps(project())).out)?.[1];
    expect(latest).toBeDefined();
    const [held, stale] = await Promise.all([
      checkDeps(project({ uuid: { reason: 'a test of the check', latest } })),
      checkDeps(project({ uuid: { reason: 'judged against an older major', latest: '4' } })),
    ]);
    expect(held.out).toContain('none more than one major version behind without a reason');
    expect(held.code).toBe(0);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain('the reason recorded was for latest 4');
  });

  it('fails, saying so, when the registry cannot be reached, and only warns when told the machine is offline', async () => {
    const env = { npm_config_registry: `http://127.0.0.1:${(deaf.address() as { port: number }).port}/`, npm_config_fetch_retries: '0' };
    const [r, offline] = await Promise.all([checkDeps(project(), env), checkDeps(project(), { ...env, EDUFLEET_DEPS_OFFLINE: 'warn' })]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('the npm registry could not be asked');
    expect(offline.code).toBe(0);
    expect(offline.out).toContain('WARNING');
  });
});
