import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { describe, expect, it } from 'vitest';
import { checkXlsx, dimensionSize, readCsv, readSheetIsolated, xlsxBuffer } from '../../lib/sheets/index.js';
import { rowXml, xlsx } from '../helpers/zip.js';

const LIMITS = { maxUncompressedBytes: 10 * 1024 * 1024, maxRows: 3, maxColumns: 4 };

/** Every part of a zip, inflated (small files only). */
async function parts(data: Buffer): Promise<Map<string, string>> {
  const zip = await promisify<Buffer, yauzl.Options, yauzl.ZipFile>(yauzl.fromBuffer)(data, { lazyEntries: true });
  const out = new Map<string, string>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => zip.openReadStream(e, (err, s) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c)).on('end', () => { out.set(e.fileName, Buffer.concat(chunks).toString('utf8')); zip.readEntry(); });
    }));
    zip.on('end', resolve).on('error', reject);
    zip.readEntry();
  });
  return out;
}

describe('lib/sheets limits: what is checked before a sheet is parsed', () => {
  it('reads a dimension as rows and columns', () => {
    expect(dimensionSize('A1:C5001')).toEqual({ rows: 5001, columns: 3 });
    expect(dimensionSize('A1:$AZ$3')).toEqual({ rows: 3, columns: 52 });
    expect(dimensionSize('A1')).toEqual({ rows: 1, columns: 1 });
    expect(dimensionSize('nonsense')).toBeUndefined();
  });

  it('lets a small workbook through and refuses one past its dimension, its size or its ratio', async () => {
    await expect(checkXlsx(xlsx([rowXml(1, ['a', 'b'])], { dimension: 'A1:B4' }), LIMITS)).resolves.toBeUndefined();
    await expect(checkXlsx(xlsx([rowXml(1, ['a'])], { dimension: 'A1:B5' }), LIMITS)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_LIMIT', message: expect.stringMatching(/4 rows; at most 3/) });
    await expect(checkXlsx(xlsx([rowXml(1, ['a'])], { dimension: 'A1:E2' }), LIMITS)).rejects.toMatchObject({ message: expect.stringMatching(/5 columns; at most 4/) });
    // The directory says 11 MB: refused on what it states, nothing inflated.
    await expect(checkXlsx(xlsx([rowXml(1, ['a'])], { declare: { 'xl/worksheets/sheet1.xml': 11 * 1024 * 1024 } }), LIMITS))
      .rejects.toMatchObject({ message: expect.stringMatching(/imports\.maxUncompressedBytes/) });
    const row = rowXml(2, ['x'.repeat(10_000)]);
    await expect(checkXlsx(xlsx(Array.from({ length: 300 }, () => row)), LIMITS)).rejects.toMatchObject({ message: expect.stringMatching(/times its packed size/) });
    await expect(checkXlsx(Buffer.from('not a zip at all'), LIMITS)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_FILE' });
  });

  it('bounds a CSV\'s rows and columns, naming the line', () => {
    expect(readCsv('a,b\n1,2\n3,4\n5,6\n', LIMITS).rows).toHaveLength(3);
    expect(() => readCsv('a,b\n1,2\n3,4\n5,6\n7,8\n', LIMITS)).toThrow(/4 rows; at most 3 .*\(line 5 is the first past it\)/);
    expect(() => readCsv('a,b\n1,2\n"x\ny",2,3,4,5\n', LIMITS)).toThrow(/5 columns \(line 3\); at most 4/);
  });

  it('writes XLSX text that starts like a formula as a shared or inline string, never a formula', async () => {
    const buf = await xlsxBuffer([{ name: 'Một', header: ['Tên'], rows: [['=SUM(A1:A9)'], ['+1'], ['@cmd'], ['-2']] }]);
    const sheet = (await parts(buf)).get('xl/worksheets/sheet1.xml')!;
    expect(sheet).not.toMatch(/<f[ >]/);
    expect((sheet.match(/t="(s|inlineStr|str)"/g) ?? []).length).toBeGreaterThanOrEqual(5);
  });
});

describe('lib/sheets isolated parse', () => {
  it('parses uploads that arrive together in workers taking turns, each to its own sheet, refusals coded', async () => {
    const limits = { ...LIMITS, parseMemoryMb: 64 };
    const files = Array.from({ length: 3 }, (_, i) => xlsx([rowXml(1, ['Mã', 'Tên']), rowXml(2, [`A${i}`, `=cmd${i}`])], { dimension: 'A1:B2' }));
    const sheets = await Promise.all(files.map((f, i) => readSheetIsolated(`f${i}.xlsx`, f, limits)));
    expect(sheets.map((sh) => sh.rows[0]!.cells)).toEqual(files.map((_, i) => [`A${i}`, `=cmd${i}`]));
    await expect(readSheetIsolated('x.csv', Buffer.from('a,b,c,d,e\n'), limits)).rejects.toMatchObject({ code: 'EDUFLEET_ERR_IMPORT_LIMIT' });
  });
});
