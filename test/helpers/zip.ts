/**
 * A minimal zip writer for tests that need an XLSX no spreadsheet program would write (a zip bomb, a sheet that
 * lies about its size): each part is deflated from chunks, so a part of hundreds of MB never sits in memory.
 */
import { crc32, deflateRawSync, constants } from 'node:zlib';

export interface ZipPart {
  name: string;
  /** The part's content, as chunks (the same chunk may repeat: a bomb is one row many times). */
  chunks: Iterable<Buffer>;
}

/** Deflates chunk by chunk into one raw stream (sync flush between chunks keeps memory to one chunk). */
function deflateChunks(chunks: Iterable<Buffer>): { data: Buffer; crc: number; size: number } {
  // One deflate of the joined chunks would need them all in memory; a full flush per chunk costs a few bytes each.
  const parts: Buffer[] = [];
  let crc = 0;
  let size = 0;
  const pending: Buffer[] = [];
  let pendingSize = 0;
  const flush = (last: boolean) => {
    if (!pendingSize && !last) return;
    const buf = Buffer.concat(pending);
    // A deflate block per 8 MB with BFINAL only on the last: raw deflate streams concatenate when each but the last
    // ends on a sync flush, which deflateRawSync with Z_SYNC_FLUSH gives.
    parts.push(deflateRawSync(buf, { level: 9, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH }));
    pending.length = 0;
    pendingSize = 0;
  };
  for (const c of chunks) {
    crc = crc32(c, crc);
    size += c.length;
    pending.push(c);
    pendingSize += c.length;
    if (pendingSize >= 8 * 1024 * 1024) flush(false);
  }
  flush(true);
  return { data: Buffer.concat(parts), crc, size };
}

/** A zip of `parts`, deflated; `declare` may state other uncompressed sizes than the real ones (a lying directory). */
export function zip(parts: ZipPart[], declare: Record<string, number> = {}): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const { data, crc, size } = deflateChunks(p.chunks);
    const stated = declare[p.name] ?? size;
    const name = Buffer.from(p.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x0800, 6); local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14); local.writeUInt32LE(data.length, 18); local.writeUInt32LE(stated, 22); local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0); dir.writeUInt16LE(20, 4); dir.writeUInt16LE(20, 6); dir.writeUInt16LE(0x0800, 8); dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(crc >>> 0, 16); dir.writeUInt32LE(data.length, 20); dir.writeUInt32LE(stated, 24); dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    central.push(dir, name);
    offset += local.length + name.length + data.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(parts.length, 8); end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const once = (s: string) => [Buffer.from(s, 'utf8')];

/**
 * An XLSX of one sheet: `rows` yields each row's XML (`<row r="n">…</row>`, inline strings); `dimension` is written
 * when given, as a spreadsheet program does.
 */
export function xlsx(rows: Iterable<Buffer>, opts: { dimension?: string; declare?: Record<string, number> } = {}): Buffer {
  const sheet = function* () {
    yield Buffer.from(`${XML}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
      (opts.dimension ? `<dimension ref="${opts.dimension}"/>` : '') + '<sheetData>');
    yield* rows;
    yield Buffer.from('</sheetData></worksheet>');
  };
  return zip([
    { name: '[Content_Types].xml', chunks: once(`${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>') },
    { name: '_rels/.rels', chunks: once(`${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>') },
    { name: 'xl/workbook.xml', chunks: once(`${XML}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>') },
    { name: 'xl/_rels/workbook.xml.rels', chunks: once(`${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>') },
    { name: 'xl/worksheets/sheet1.xml', chunks: sheet() },
  ], opts.declare);
}

const colName = (i: number) => (i < 26 ? String.fromCharCode(65 + i) : String.fromCharCode(64 + Math.floor(i / 26)) + String.fromCharCode(65 + (i % 26)));

/** One row's XML with inline-string cells. */
export function rowXml(n: number, cells: readonly string[]): Buffer {
  return Buffer.from(`<row r="${n}">${cells.map((v, i) => `<c r="${colName(i)}${n}" t="inlineStr"><is><t>${v}</t></is></c>`).join('')}</row>`);
}
