/**
 * The sneakernet's file up (docs/edge.md): a first line naming the format, a JSON header (format and version, edge,
 * site, created time, per-device q ranges, record count, the body's size and SHA-256, the edge's report), the edge's
 * Ed25519 signature of that header line, then the records as gzipped JSON lines. The header is readable with `head`;
 * the signature covers the header, and the header covers the body through its digest, so one changed byte anywhere is
 * refused, and a cut file is told apart from a changed one before anything is decompressed.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import readline from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import { EdufleetError } from '../lib/errors.js';
import { PRIVATE_FILE_MODE, writePrivateFile } from '../lib/private-files.js';
import type { EdgeHealth } from '../registry/index.js';
import { signBytes, verifySignature, type EdgeKeys } from './keys.js';
import { parseRecords, type BadRecord, type EdgeRecord, type QRanges } from './records.js';

export const EXPORT_FORMAT = 'edufleet-edge-export';
export const EXPORT_VERSION = 1;
const MAGIC = 'EDUFLEET-EDGE-EXPORT\n';
const MAX_HEADER = 4 * 1024 * 1024;

export interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: number;
  edge: string;
  /** The site code as the edge is configured (`edge.site`). */
  site: string;
  createdAt: number;
  ranges: QRanges;
  count: number;
  body: { bytes: number; sha256: string };
  /** The edge's state when it wrote the file: everything it accepted before `completeUntil` is in it. */
  report: { pendingRecords: number; oldestPendingAt: number | null; completeUntil: number; health?: EdgeHealth };
}

/** A file whose header was read: not yet verified. */
export interface OpenedExport { file: string; header: ExportHeader; headerLine: Buffer; signature: string; bodyOffset: number }

const fileError = (code: 'EDUFLEET_ERR_EDGE_FILE' | 'EDUFLEET_ERR_EDGE_TRUNCATED' | 'EDUFLEET_ERR_EDGE_TAMPERED', message: string) => new EdufleetError(code, message);

/**
 * Writes `records` (in log order) to `out` as a signed export. The body goes to a temporary file first (its size and
 * digest are in the header), then header and body are written to `out.part`, synced and renamed: a file named `out`
 * is always whole.
 */
export async function writeExport(out: string, o: { keys: EdgeKeys; site: string; createdAt: number; report: ExportHeader['report'] }, records: AsyncIterable<EdgeRecord[]>): Promise<ExportHeader> {
  const bodyFile = `${out}.body.part`;
  const ranges: QRanges = {};
  let count = 0;
  const gzip = createGzip();
  const written = pipeline(gzip, createWriteStream(bodyFile, { mode: PRIVATE_FILE_MODE }));
  try {
    for await (const batch of records) {
      let text = '';
      for (const r of batch) {
        const x = ranges[r.d];
        if (!x) ranges[r.d] = { from: r.q, to: r.q };
        else x.to = r.q;
        text += JSON.stringify(r) + '\n';
      }
      count += batch.length;
      if (!gzip.write(text)) await new Promise((res) => gzip.once('drain', res));
    }
    gzip.end();
    await written;
    const sha256 = createHash('sha256');
    await pipeline(createReadStream(bodyFile), sha256);
    const header: ExportHeader = {
      format: EXPORT_FORMAT, version: EXPORT_VERSION, edge: o.keys.id, site: o.site, createdAt: o.createdAt, ranges, count,
      body: { bytes: statSync(bodyFile).size, sha256: sha256.digest('hex') }, report: o.report,
    };
    const headerLine = Buffer.from(JSON.stringify(header), 'utf8');
    const part = `${out}.part`;
    writePrivateFile(part, Buffer.concat([Buffer.from(MAGIC), headerLine, Buffer.from(`\n${signBytes(o.keys, headerLine)}\n`)]));
    await pipeline(createReadStream(bodyFile), createWriteStream(part, { flags: 'a' }));
    const fd = openSync(part, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(part, out);
    return header;
  } finally {
    rmSync(bodyFile, { force: true });
  }
}

/** Reads the header of an export file; EDUFLEET_ERR_EDGE_FILE or _TRUNCATED if it has none. */
export function openExport(file: string): OpenedExport {
  const fd = openSync(file, 'r');
  let head: Buffer;
  try {
    const size = fstatSync(fd).size;
    head = Buffer.alloc(Math.min(size, MAX_HEADER));
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const magic = Buffer.from(MAGIC);
  const n = Math.min(head.length, magic.length);
  if (n === 0 || !head.subarray(0, n).equals(magic.subarray(0, n))) {
    throw fileError('EDUFLEET_ERR_EDGE_FILE', `${file} is not an EduFleet edge export (it should start with "${MAGIC.trim()}")`);
  }
  const h1 = head.indexOf(10, MAGIC.length);
  const h2 = h1 < 0 ? -1 : head.indexOf(10, h1 + 1);
  if (head.length < MAGIC.length || h2 < 0) {
    if (head.length < MAX_HEADER) throw fileError('EDUFLEET_ERR_EDGE_TRUNCATED', `${file} ends inside its header: the copy is incomplete`);
    throw fileError('EDUFLEET_ERR_EDGE_FILE', `${file}: header longer than ${MAX_HEADER} bytes`);
  }
  const headerLine = head.subarray(MAGIC.length, h1);
  let header: ExportHeader;
  try {
    header = JSON.parse(headerLine.toString('utf8')) as ExportHeader;
  } catch {
    throw fileError('EDUFLEET_ERR_EDGE_TAMPERED', `${file}: its header is not readable JSON (changed after export)`);
  }
  if (header.format !== EXPORT_FORMAT) throw fileError('EDUFLEET_ERR_EDGE_FILE', `${file}: format '${String(header.format)}', expected '${EXPORT_FORMAT}'`);
  if (header.version !== EXPORT_VERSION) throw fileError('EDUFLEET_ERR_EDGE_FILE', `${file}: format version ${String(header.version)}; this EduFleet reads version ${EXPORT_VERSION}`);
  return { file, header, headerLine: Buffer.from(headerLine), signature: head.subarray(h1 + 1, h2).toString('ascii'), bodyOffset: h2 + 1 };
}

/**
 * Checks the header's signature against the edge's registered key, then the body's size and digest against the header.
 * Reads the whole body once; nothing is decompressed or applied before this passes.
 */
export async function verifyExport(x: OpenedExport, signKey: string): Promise<void> {
  if (!verifySignature(signKey, x.headerLine, x.signature)) {
    throw new EdufleetError('EDUFLEET_ERR_EDGE_SIGNATURE', `${x.file} is not signed by edge ${x.header.edge} (signed by another edge, or its header was changed)`);
  }
  const bodyBytes = statSync(x.file).size - x.bodyOffset;
  if (bodyBytes < x.header.body.bytes) throw fileError('EDUFLEET_ERR_EDGE_TRUNCATED', `${x.file} holds ${bodyBytes} of its ${x.header.body.bytes} bytes of records: the copy is incomplete`);
  if (bodyBytes > x.header.body.bytes) throw fileError('EDUFLEET_ERR_EDGE_TAMPERED', `${x.file} has ${bodyBytes - x.header.body.bytes} bytes more than the edge wrote`);
  const sha256 = createHash('sha256');
  await pipeline(createReadStream(x.file, { start: x.bodyOffset }), sha256);
  if (sha256.digest('hex') !== x.header.body.sha256) throw fileError('EDUFLEET_ERR_EDGE_TAMPERED', `${x.file}: its records were changed after the edge signed it`);
}

/** The records of a verified file in batches of `size`, with the malformed ones and their position (1-based). */
export async function* exportRecords(x: OpenedExport, size: number): AsyncGenerator<{ records: EdgeRecord[]; bad: BadRecord[]; lines: number }> {
  const lines = readline.createInterface({ input: createReadStream(x.file, { start: x.bodyOffset }).pipe(createGunzip()), crlfDelay: Infinity });
  let batch: string[] = [];
  let position = 1;
  for await (const line of lines) {
    batch.push(line);
    if (batch.length >= size) {
      yield { ...parseRecords(batch, position), lines: batch.length };
      position += batch.length;
      batch = [];
    }
  }
  if (batch.length) yield { ...parseRecords(batch, position), lines: batch.length };
}
