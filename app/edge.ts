/**
 * The sneakernet's commands wired to a data directory (cli/edge-commands.ts): at the edge its keys and the export; at
 * the province the import, which writes to InfluxDB itself (the file is the durable source: a failed import is simply
 * run again), so no gateway needs to run: the configured InfluxDB, a running EduFleet's managed one, or this data
 * directory's own started for the time of the command.
 */
import path from 'node:path';
import type { Config } from '../config/index.js';
import { edgeDir, exportEdge, importEdgeFile, openForwardLog, type ImportSummary } from '../edge/sneakernet.js';
import { edgeKeys } from '../edge/keys.js';
import type { ExportHeader } from '../edge/file.js';
import { primaryWriter } from '../gateway/writers.js';
import { parseDuration } from '../lib/duration.js';
import { ManagedInfluxd, runningInfluxd } from '../lib/influx/index.js';
import type { Logger } from '../lib/logger.js';
import type { DevicePlacement } from '../registry/index.js';
import { openStore } from './open-store.js';

/** The edge's public keys and id (made on first use). */
export function showEdgeKeys(cfg: Readonly<Config>): { id: string; signKey: string; boxKey: string } {
  const k = edgeKeys(edgeDir(cfg.dataDir));
  return { id: k.id, signKey: k.signKey, boxKey: k.boxKey };
}

/**
 * Writes the edge's export file. The log is opened read-only: the edge node may be running and appending to it. The
 * time is taken before the log is read, so everything accepted before "complete until" is in the file.
 */
export async function exportEdgeFile(cfg: Readonly<Config>, out: string): Promise<ExportHeader> {
  const at = Date.now();
  const log = await openForwardLog(cfg.dataDir, { groupCommitMs: cfg.gateway.groupCommitMs, segmentBytes: cfg.gateway.segmentBytes, readOnly: true });
  try {
    return await exportEdge({ dataDir: cfg.dataDir, log, site: cfg.edge.site, out, now: () => at });
  } finally {
    await log.close();
  }
}

/** Imports an edge's export file at the province. */
export async function importEdgeFileAt(cfg: Readonly<Config>, file: string, o: { byUser: string; log: Logger; onProgress?: (done: number, total: number) => void }): Promise<ImportSummary> {
  const { url, credentials, stop } = await influxFor(cfg);
  const registry = await openStore(cfg);
  try {
    const writer = primaryWriter({ ...cfg.influx, ...credentials }, url);
    await writer.ensureSchema();
    const placements = new Map<string, DevicePlacement>((await registry.placementsSince(0)).placements.map((p) => [p.id, p]));
    const window = { maxFutureSkewMs: cfg.gateway.maxFutureSkewMs, maxAgeMs: parseDuration(cfg.influx.rawRetention) };
    return await importEdgeFile({ registry, writer, placements, window, log: o.log, now: Date.now }, file, { byUser: o.byUser, onProgress: o.onProgress });
  } finally {
    await registry.close();
    await stop();
  }
}

async function influxFor(cfg: Readonly<Config>): Promise<{ url: string; credentials: { username: string; password: string }; stop: () => Promise<void> }> {
  if (cfg.influx.url) return { url: cfg.influx.url, credentials: cfg.influx, stop: async () => undefined };
  const dir = path.join(cfg.dataDir, 'influxdb');
  const running = await runningInfluxd(dir);
  if (running) return { url: running.url, credentials: running, stop: async () => undefined };
  const influxd = new ManagedInfluxd(dir, cfg.influx.managedBinary);
  await influxd.start();
  return { url: influxd.url, credentials: influxd.credentials ?? { username: '', password: '' }, stop: () => influxd.stop() };
}
