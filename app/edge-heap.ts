import { getHeapStatistics } from 'node:v8';
import type { Logger } from '../lib/logger.js';

/**
 * The Node options an edge node runs with on a small machine (docs/edge.md "Small machines"; bench/edge.ts measures
 * the edge with them). The launcher's `--max-semi-space-size=64` (bin/edufleet.mjs) buys the province's ingest CPU
 * with up to 128 MiB of young generation; an edge takes some 20 readings a second (200 devices, one every 10 s), so
 * V8's default 16 is enough, and measured, the 64 let the old generation grow to 122 MiB after a burst (RSS 351 MiB) where 16 and a
 * cap kept it at 55 (RSS 192 MiB). The cap is about three times the 55 to 60 MiB the edge's heap holds with 200
 * devices: V8 collects harder near it instead of growing, and at the cap the whole process would take about 285 MiB
 * (the cap, 32 MiB of young generation, 47 of Node's own program, some 45 of native memory): still under 300 MB.
 */
export const EDGE_NODE_OPTIONS = ['--max-semi-space-size=16', '--max-old-space-size=160'] as const;

/** V8's heap limit under those options: the old generation's cap plus three semi-spaces (two, and the new large-object space). */
export const EDGE_HEAP_LIMIT_MIB = 160 + 3 * 16;

/**
 * At the start of an edge node: one warning line when V8 may grow the heap past `EDGE_HEAP_LIMIT_MIB`, naming the
 * options. Node reads them only at start (`v8.setFlagsFromString` cannot resize a heap that exists), so the process
 * can only say so; the systemd unit of docs/edge.md sets them. Returns whether it warned.
 */
export function warnEdgeHeap(log: Logger, heapLimitBytes = getHeapStatistics().heap_size_limit): boolean {
  const limitMib = Math.round(heapLimitBytes / 1048576);
  if (limitMib <= EDGE_HEAP_LIMIT_MIB) return false;
  const options = EDGE_NODE_OPTIONS.join(' ');
  log.warn({ heapLimitMib: limitMib, nodeOptions: options },
    `edge node: the JavaScript heap may grow to ${limitMib} MiB, more than a small machine should give it (${EDGE_HEAP_LIMIT_MIB} MiB); `
    + `run \`node ${options} bin/edufleet.mjs start --edge\` (NODE_OPTIONS="${options}" in the systemd unit of docs/edge.md; the edufleet launcher's own options are the province's)`);
  return true;
}
