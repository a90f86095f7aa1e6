/**
 * The sneakernet up (docs/edge.md): `exportEdge` at the edge writes every record not yet confirmed by the province as
 * one signed file; `importEdgeFile` at the province checks it whole (format, edge, signature, site, size, digest)
 * before it changes anything, then applies it in batches (edge/apply.ts). The edge learns what the province has only
 * later (the down bundle, the link), so each export starts from the confirmed cursor and holds everything of the
 * earlier unconfirmed ones: importing overlapping files, or one file twice, adds each record once.
 */
import path from 'node:path';
import { EdufleetError } from '../lib/errors.js';
import type { EdgeReport, EdgeRow } from '../registry/index.js';
import { applyRecords, emptyResult, type ApplyDeps, type ApplyResult } from './apply.js';
import { exportRecords, openExport, verifyExport, writeExport, type ExportHeader } from './file.js';
import { ForwardLog, type ForwardLogOptions } from './forward-log.js';
import { diskHealth } from './health.js';
import { edgeKeys } from './keys.js';

/** Where an edge keeps its keys and forward log, under its data directory. */
export const edgeDir = (dataDir: string): string => path.join(dataDir, 'edge');
export const forwardLogDir = (dataDir: string): string => path.join(edgeDir(dataDir), 'forward');

/** The forward log of an edge's data directory, opened (group commit and segment size of the gateway's spool). */
export async function openForwardLog(dataDir: string, o: Omit<ForwardLogOptions, 'dir'>): Promise<ForwardLog> {
  const log = new ForwardLog({ dir: forwardLogDir(dataDir), ...o });
  await log.open();
  return log;
}

const READ_BYTES = 4 * 1024 * 1024;

/**
 * Writes every record of `log` not yet confirmed to `out`, signed with the edge's key (made on first use). The
 * log is read while it may still grow: `completeUntil` is when reading began, and everything accepted before it is in.
 */
export async function exportEdge(o: { dataDir: string; log: ForwardLog; site: string; out: string; now: () => number }): Promise<ExportHeader> {
  if (!o.site) throw new EdufleetError('EDUFLEET_ERR_CONFIG_INVALID', 'edge.site is not set: the site code this edge serves (SCHOOLCODE or SCHOOLCODE:Site name)');
  const keys = edgeKeys(edgeDir(o.dataDir));
  const createdAt = o.now();
  const log = o.log;
  async function* batches() {
    let pos = log.start();
    for (;;) {
      const r = log.read(pos, READ_BYTES);
      if (r.records.length) yield r.records;
      if (r.done) return;
      pos = r.next;
    }
  }
  const report = { pendingRecords: 0, oldestPendingAt: null, completeUntil: createdAt, health: diskHealth(o.dataDir) };
  return writeExport(o.out, { keys, site: o.site, createdAt, report }, batches());
}

/** What an import did, for the CLI and the web app. */
export interface ImportSummary extends ApplyResult {
  edge: string;
  site: string;
  /** Records in the file; malformed ones (with their position) are counted as refused too. */
  records: number;
  malformed: { position: number; error: string }[];
}

/**
 * Imports an export file at the province: refused whole, with a coded error, unless the edge is registered and not
 * revoked, the file is signed by it, its site is known and is the edge's, and its body is complete and unchanged.
 * `onProgress(done, total)` after each batch.
 */
export async function importEdgeFile(deps: ApplyDeps, file: string, o: { byUser: string; batch?: number; onProgress?: (done: number, total: number) => void }): Promise<ImportSummary> {
  const x = openExport(file);
  const h = x.header;
  const edge = await deps.registry.edges.get(String(h.edge));
  if (!edge) throw new EdufleetError('EDUFLEET_ERR_EDGE_UNKNOWN', `${file} comes from edge ${h.edge}, which this province has not registered (edufleet edge add)`);
  if (edge.revokedAt !== null) throw new EdufleetError('EDUFLEET_ERR_EDGE_REVOKED', `${file} comes from edge ${h.edge} (${edge.name}), revoked on ${new Date(edge.revokedAt).toISOString()}`);
  await verifyExport(x, edge.signKey);
  await checkSite(deps, edge, h.site);
  const result = emptyResult();
  const malformed: ImportSummary['malformed'] = [];
  let done = 0;
  const report: EdgeReport = { via: 'file', at: h.createdAt, ...h.report };
  for await (const b of exportRecords(x, o.batch ?? 20_000)) {
    done += b.lines;
    malformed.push(...b.bad);
    result.refused += b.bad.length;
    await applyRecords(deps, edge, b.records, { into: result, report: done >= h.count ? report : undefined });
    o.onProgress?.(done, h.count);
  }
  if (done === 0) await applyRecords(deps, edge, [], { into: result, report });
  const summary: ImportSummary = { edge: edge.id, site: h.site, records: done, malformed, ...result };
  await deps.registry.audit(o.byUser, 'edge.import', 'edge', edge.id, {
    file: path.basename(file), createdAt: h.createdAt, records: done, applied: result.applied, present: result.present,
    refused: result.refused, gaps: result.gaps, days: result.days,
  });
  return summary;
}

async function checkSite(deps: ApplyDeps, edge: EdgeRow, code: string): Promise<void> {
  const site = await deps.registry.edges.siteByCode(String(code)).catch(() => undefined);
  if (!site) throw new EdufleetError('EDUFLEET_ERR_EDGE_SITE_UNKNOWN', `the file is for site '${code}', which this province does not know`);
  if (site.siteId !== edge.siteId) throw new EdufleetError('EDUFLEET_ERR_EDGE_SITE_MISMATCH', `the file is for site '${code}', but edge ${edge.id} is registered for another site`);
}

/** One line for a person: "1200 new, 0 already present, …". */
export function describeImport(s: ImportSummary): string {
  const parts = [`${s.applied} new`, `${s.present} already present`, `${s.refused} refused`];
  if (s.gaps) parts.push(`${s.gaps} after a gap in sequence`);
  if (s.invalid) parts.push(`${s.invalid} refused by validation (stored as rejected)`);
  return `${parts.join(', ')}; ${s.devices.length} device(s); ${s.days.length} day(s) marked for re-analysis${s.days.length ? ` (${s.days.join(', ')})` : ''}`;
}
