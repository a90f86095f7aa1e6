/**
 * The data directory holds device secret hashes, the session secret, the registry and readings not yet in InfluxDB:
 * nothing in it is for other accounts on the machine. Directories are made 0700 and files 0600 where EduFleet
 * creates them, and a directory left looser by an older version or a copy is tightened at start.
 */
import { chmodSync, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, closeSync, readdirSync, writeFileSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` (and missing parents) as 0700; an existing one keeps its mode until `tightenPrivateTree`. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Writes `data` to `file` as 0600. `mode` applies only when a file is created, so a file that already existed with a
 * looser mode is narrowed through the open descriptor (no window where it is readable under its new content).
 */
export function writePrivateFile(file: string, data: string | Buffer, flag: 'w' | 'wx' | 'a' = 'w'): void {
  const fd = openSync(file, flag, PRIVATE_FILE_MODE);
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, PRIVATE_FILE_MODE);
    writeFileSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/** Creates `file` empty as 0600 if it does not exist, so a library that opens it later (SQLite) finds it private. */
export function touchPrivateFile(file: string): void {
  writePrivateFile(file, '', 'a');
}

function looser(st: Stats): boolean {
  return (st.mode & 0o077) !== 0;
}

/** What EduFleet keeps at the top of a data directory; anything else there is the operator's and is left alone. */
export const DATA_DIR_ENTRIES = /^(registry\.sqlite|usage\.sqlite|session-secret|sim-credentials\.json|spool|influxdb|sim-control)/;

/**
 * Makes `dir` 0700 and EduFleet's own entries in it private (directories 0700, files 0600), logging once what it
 * changed. Only entries matching `entries` are walked, so a data directory set by mistake to a home directory does
 * not have every file in it narrowed; symbolic links are left alone (the spool may point at another disk on purpose).
 * Returns how many paths were narrowed.
 */
export function tightenPrivateTree(dir: string, log?: Logger, entries: RegExp = DATA_DIR_ENTRIES): number {
  ensurePrivateDir(dir);
  let changed = 0;
  const walk = (p: string, depth: number): void => {
    let st: Stats;
    try { st = lstatSync(p); } catch { return; }
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      if (looser(st)) { chmodSync(p, PRIVATE_DIR_MODE); changed++; }
      // InfluxDB's shards nest a few levels; the bound only guards against a loop of bind mounts.
      const names = readdirSync(p).filter((n) => depth > 0 || entries.test(n));
      if (depth < 8) for (const name of names) walk(path.join(p, name), depth + 1);
    } else if (st.isFile() && looser(st)) {
      chmodSync(p, PRIVATE_FILE_MODE);
      changed++;
    }
  };
  walk(dir, 0);
  if (changed) log?.warn({ dataDir: dir, paths: changed }, 'the data directory was readable by other accounts: narrowed to 0700 (directories) and 0600 (files)');
  return changed;
}
