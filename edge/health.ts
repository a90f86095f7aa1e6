/**
 * The edge machine's own health as it reports it to the province (`EdgeHealth`, registry/store/edges.ts): the disk
 * under its data directory, and what its gateway spool holds when the caller knows it (the running edge does; the
 * `edufleet edge export` command, a process of its own, does not).
 */
import { statfsSync } from 'node:fs';
import type { EdgeHealth } from '../registry/index.js';

export function diskHealth(dataDir: string, spool?: { bytes: number; oldestMs: number }): EdgeHealth {
  let disk = { diskFreeBytes: null as number | null, diskTotalBytes: null as number | null };
  try {
    const f = statfsSync(dataDir);
    disk = { diskFreeBytes: f.bavail * f.bsize, diskTotalBytes: f.blocks * f.bsize };
  } catch {
    // Not on every platform: the province then shows no disk figure.
  }
  return { ...disk, spoolBytes: spool ? spool.bytes : null, spoolOldestMs: spool ? spool.oldestMs : null, clockOffsetMs: null };
}
