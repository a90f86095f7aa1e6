import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/stack.js';

const root = path.resolve(import.meta.dirname, '..');
const depcruise = path.join(root, 'node_modules', '.bin', 'depcruise');

interface Violation { rule: { name: string }; from: string; to: string }

/** Runs the project's layer check (its real config) on `dir`; returns what it reports. */
async function violations(dir: string, targets = ['.']): Promise<Violation[]> {
  const run = promisify(execFile);
  const args = ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...targets];
  // depcruise exits non-zero when it finds violations; the JSON report is on stdout either way.
  const { stdout } = await run(depcruise, args, { cwd: dir, maxBuffer: 64 * 1024 * 1024 }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  const report = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations.map((v) => ({ rule: { name: v.rule.name }, from: v.from, to: v.to }));
}

describe('the layer check (npm run check)', () => {
  const dir = tempDir('edufleet-layers-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A tiny tree with the project's layer config: each file imports the listed ones. */
  function fixture(files: Record<string, string[]>): void {
    copyFileSync(path.join(root, '.dependency-cruiser.cjs'), path.join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
    for (const [file, imports] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      const rel = (to: string) => {
        const r = path.relative(path.dirname(file), to).replace(/\.ts$/, '.js');
        return r.startsWith('.') ? r : `./${r}`;
      };
      writeFileSync(path.join(dir, file), [...imports.map((to) => `import '${rel(to)}';`), 'export const x = 1;', ''].join('\n'));
    }
  }

  it('fails when a lower layer imports a higher one, and names the rule and the edge', async () => {
    fixture({
      'cli/main.ts': ['app/stack.ts'],
      'app/stack.ts': ['dashboard/server/index.ts', 'registry/index.ts'],
      'dashboard/server/index.ts': ['gateway/gateway.ts', 'registry/index.ts'],
      'dashboard/server/deps.ts': ['app/stack.ts'],
      'gateway/gateway.ts': ['lib/influx/index.ts', 'registry/index.ts'],
      'usage/analyser.ts': ['gateway/gateway.ts', 'lib/influx/index.ts'],
      'registry/index.ts': ['timetable/model.ts', 'domain/index.ts'],
      'registry/bad.ts': ['cli/main.ts'],
      'timetable/model.ts': ['domain/index.ts'],
      'lib/influx/index.ts': ['domain/index.ts'],
      'domain/index.ts': [],
      'dashboard/web/src/app.tsx': ['domain/index.ts', 'dashboard/server/index.ts'],
    });
    const found = await violations(dir);
    expect(found).toEqual(expect.arrayContaining([
      { rule: { name: 'layer-registry' }, from: 'registry/bad.ts', to: 'cli/main.ts' },
      { rule: { name: 'layer-dashboard-server' }, from: 'dashboard/server/deps.ts', to: 'app/stack.ts' },
      // Peers: usage/ may not take anything from gateway/ (InfluxDB names come from lib/influx/).
      { rule: { name: 'layer-usage' }, from: 'usage/analyser.ts', to: 'gateway/gateway.ts' },
      { rule: { name: 'web-allow-list' }, from: 'dashboard/web/src/app.tsx', to: 'dashboard/server/index.ts' },
    ]));
    // The allowed edges of the same tree (registry → timetable, server → gateway, cli → app, …) are not reported.
    expect(found.map((v) => `${v.from} → ${v.to}`).sort()).toEqual([
      'dashboard/server/deps.ts → app/stack.ts',
      'dashboard/web/src/app.tsx → dashboard/server/index.ts',
      'registry/bad.ts → cli/main.ts',
      'usage/analyser.ts → gateway/gateway.ts',
    ]);
  }, 60_000);

  it('finds no violation in the real tree', async () => {
    expect(await violations(root)).toEqual([]);
  }, 180_000);
});
