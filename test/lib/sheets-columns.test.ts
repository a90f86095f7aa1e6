import { describe, expect, it } from 'vitest';
import { sheetColumns } from '../../lib/sheets/index.js';

describe('lib/sheets: one header mapper for every import', () => {
  const { columnOf, mapHeader } = sheetColumns({
    code: { label: 'Mã trường', en: 'school code', aliases: ['ma truong', 'school code'] },
    name: { label: 'Tên trường', en: 'school name', aliases: ['ten truong', 'name'] },
    pupils: { label: 'Số học sinh', en: 'pupils', aliases: ['so hoc sinh'] },
  }, ['code', 'name']);

  it('knows a column by its label or an alias, with or without diacritics, case or units', () => {
    expect(columnOf('MÃ TRƯỜNG')).toBe('code');
    expect(columnOf('ma truong')).toBe('code');
    expect(columnOf('Số học sinh (người)')).toBe('pupils');
    expect(columnOf('Ghi chú')).toBeUndefined();
  });

  it('maps the first header naming each column and lists the others as ignored', () => {
    const { index, ignored } = mapHeader(['Ghi chú', 'Tên trường', 'Mã trường', 'name', '']);
    expect([...index]).toEqual([['name', 1], ['code', 2]]);
    expect(ignored).toEqual(['Ghi chú', 'name']);
  });

  it('stops the file when a required column is missing, naming it and what the header has', () => {
    expect(() => mapHeader(['Tên trường', ' Ghi chú '])).toThrow(expect.objectContaining({
      code: 'EDUFLEET_ERR_IMPORT_COLUMNS',
      message: "missing required column(s): 'Mã trường' (school code); the header line has: 'Tên trường', 'Ghi chú'",
    }));
  });
});
