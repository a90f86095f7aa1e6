import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePrivateDir, tightenPrivateTree, writePrivateFile } from '../../lib/private-files.js';
import type { Logger } from '../../lib/logger.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'edufleet-private-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

describe('lib/private-files: the data directory is for this account only', () => {
  it('creates directories 0700 and files 0600, and narrows a file that existed with a looser mode', () => {
    const dir = path.join(root, 'a', 'b');
    ensurePrivateDir(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(root, 'a'))).toBe(0o700);
    const file = path.join(dir, 'secret');
    writeFileSync(file, 'old', { mode: 0o644 });
    chmodSync(file, 0o644);
    writePrivateFile(file, 'new');
    expect(mode(file)).toBe(0o600);
  });

  it('tightens an old data directory and EduFleet\'s entries in it, logs once, and leaves the operator\'s own files alone', () => {
    const dir = path.join(root, 'data');
    mkdirSync(path.join(dir, 'spool'), { recursive: true });
    chmodSync(dir, 0o755);
    chmodSync(path.join(dir, 'spool'), 0o775);
    writeFileSync(path.join(dir, 'registry.sqlite'), '', { mode: 0o644 });
    writeFileSync(path.join(dir, 'spool', 'segment-00000001.log'), '', { mode: 0o664 });
    writeFileSync(path.join(dir, 'ghi-chu.txt'), '', { mode: 0o644 });
    const warnings: unknown[] = [];
    const log = { warn: (...a: unknown[]) => warnings.push(a) } as unknown as Logger;
    expect(tightenPrivateTree(dir, log)).toBe(4);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(dir, 'registry.sqlite'))).toBe(0o600);
    expect(mode(path.join(dir, 'spool'))).toBe(0o700);
    expect(mode(path.join(dir, 'spool', 'segment-00000001.log'))).toBe(0o600);
    expect(mode(path.join(dir, 'ghi-chu.txt'))).toBe(0o644);
    expect(warnings).toHaveLength(1);
    expect(tightenPrivateTree(dir, log)).toBe(0);
    expect(warnings).toHaveLength(1);
  });
});
