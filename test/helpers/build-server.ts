import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * Vitest global set-up. The tests that spawn `bin/edufleet.mjs` (CLI, imports, simulator, gateway crash) run the
 * compiled dist/, the same JavaScript `npm start` runs; so dist/ must be the code under test, not a build from an
 * earlier checkout. `tsc -b` is incremental: about 1 s when nothing changed, once per `vitest run`.
 */
export default function buildServer(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [TSC, '-b', 'tsconfig.build.json'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve();
      reject(new Error(`npm run build:server failed; the tests that run bin/edufleet.mjs would run stale code:\n${stdout}${stderr}`));
    });
  });
}
