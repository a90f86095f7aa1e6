/**
 * Append-only logs kept as numbered segment files (the gateway's spool, an edge's forward log): their names, the
 * list on disk, the torn record a crash can leave at the end of the last one, and a small state file replaced durably.
 */
import { closeSync, fstatSync, fsyncSync, openSync, readdirSync, readSync, renameSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { writePrivateFile } from './private-files.js';

const SEGMENT = /^segment-(\d{8})\.log$/;

export const segmentName = (n: number): string => `segment-${String(n).padStart(8, '0')}.log`;

/** The segment numbers in `dir`, in order. */
export function listSegments(dir: string): number[] {
  return readdirSync(dir).flatMap((f) => {
    const m = SEGMENT.exec(f);
    return m ? [Number(m[1])] : [];
  }).sort((a, b) => a - b);
}

/**
 * Cuts a file of newline-terminated records back to its last newline: a crash mid-write can leave a torn last record,
 * and nothing in it was acknowledged (an append resolves only after its fsync). Returns the file's size afterwards.
 */
export function trimTornTail(file: string): number {
  const fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  let end = size;
  const buf = Buffer.alloc(64 * 1024);
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const n = readSync(fd, buf, 0, end - start, start);
    const nl = buf.subarray(0, n).lastIndexOf(10);
    if (nl >= 0) { end = start + nl + 1; break; }
    end = start;
  }
  closeSync(fd);
  if (end < size) truncateSync(file, end);
  return end;
}

/** Flushes a directory's entries (a rename, a new or deleted file) to disk. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `file` with `data` so that after a crash it holds either the old content or the new, whole: written to a
 * temporary file, fsynced, renamed over it, and the directory fsynced. 0600, as everything in the data directory.
 */
export function replaceFileDurably(file: string, data: string): void {
  const tmp = `${file}.tmp`;
  writePrivateFile(tmp, data);
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  syncDir(path.dirname(file));
}
