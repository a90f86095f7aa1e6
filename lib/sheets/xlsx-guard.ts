/**
 * Checks an XLSX before it is parsed, from the zip's central directory (nothing inflated): how many parts, how big
 * they unpack, how well they pack. Then the head of each worksheet (its first 64 KB only) for the `<dimension>` the
 * writer recorded, so a sheet of a million rows is refused before a single row is read. Sizes in the directory can
 * lie; the parse worker's heap limit is what stops a file that lies (isolated.ts).
 */
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { EdufleetError } from '../errors.js';
import { bombError, checkSheetSize, dimensionSize, entriesError, MAX_COMPRESSION_RATIO, MAX_ZIP_ENTRIES, RATIO_FLOOR_BYTES, tooBig, type SheetLimits } from './limits.js';

const HEAD_BYTES = 64 * 1024;
const fromBuffer = promisify<Buffer, yauzl.Options, yauzl.ZipFile>(yauzl.fromBuffer);

function notXlsx(err: unknown): EdufleetError {
  return new EdufleetError('EDUFLEET_ERR_IMPORT_FILE', `the XLSX file could not be read: ${(err as Error).message}`, { cause: err });
}

/** Every entry of the central directory, without opening any. */
async function entriesOf(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  if (zip.entryCount > MAX_ZIP_ENTRIES) throw entriesError(zip.entryCount);
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => { entries.push(e); zip.readEntry(); });
    zip.on('end', () => resolve(entries));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** The first `HEAD_BYTES` of a part, inflated; the rest is never unpacked. */
async function headOf(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<string> {
  const stream = await promisify<yauzl.Entry, NodeJS.ReadableStream>(zip.openReadStream.bind(zip))(entry);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => { (stream as NodeJS.ReadableStream & { destroy(): void }).destroy(); resolve(Buffer.concat(chunks).toString('utf8')); };
    stream.on('data', (c: Buffer) => { chunks.push(c); size += c.length; if (size >= HEAD_BYTES) done(); });
    stream.on('end', done);
    stream.on('error', (err: Error) => { if (size >= HEAD_BYTES) return; reject(err); });
  });
}

/** Refuses an XLSX whose parts unpack too big or too well, or whose sheets state more rows or columns than allowed. */
export async function checkXlsx(data: Buffer, limits: SheetLimits): Promise<void> {
  let zip: yauzl.ZipFile;
  try { zip = await fromBuffer(data, { lazyEntries: true, autoClose: false }); } catch (err) { throw notXlsx(err); }
  try {
    let entries: yauzl.Entry[];
    try { entries = await entriesOf(zip); } catch (err) { throw err instanceof EdufleetError ? err : notXlsx(err); }
    if (entries.length > MAX_ZIP_ENTRIES) throw entriesError(entries.length);
    const total = entries.reduce((n, e) => n + e.uncompressedSize, 0);
    if (total > limits.maxUncompressedBytes) throw tooBig('this XLSX', total, limits.maxUncompressedBytes, 'imports.maxUncompressedBytes');
    for (const e of entries) {
      const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
      if (e.uncompressedSize > RATIO_FLOOR_BYTES && ratio > MAX_COMPRESSION_RATIO) throw bombError(e.fileName, ratio);
    }
    for (const e of entries.filter((x) => /^xl\/worksheets\/[^/]+\.xml$/.test(x.fileName))) {
      let head: string;
      try { head = await headOf(zip, e); } catch (err) { throw notXlsx(err); }
      const ref = /<(?:\w+:)?dimension\s+ref="([^"]+)"/.exec(head)?.[1];
      const size = ref ? dimensionSize(ref) : undefined;
      // The dimension counts the header row; the limit is on data rows.
      if (size) checkSheetSize(size.rows - 1, size.columns, limits);
    }
  } finally {
    zip.close();
  }
}
