import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of EduFleet's package.json: the checkout, or the installed package. Files read at run time (the built
 * web app) are found from here, not from the reading module, because that module runs from `lib/` under vitest and
 * from `dist/lib/` once compiled, one level deeper; the nearest package.json above it is the same in both cases.
 */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    // Unreachable in a checkout or an install; the caller then reports its file as missing, naming `npm run setup`.
    if (path.dirname(dir) === dir) return from;
  }
}
