import { describe, expect, it } from 'vitest';
import { formatDate, formatDateTime, formatDay, formatMoney, formatNumber, formatPercent, formatWhole, pluralCategory, countNoun } from '../../lib/vn/format.js';
import { pct, STATUS_LABELS, vnd } from '../../usage/export.js';

describe('lib/vn/format: one formatter for the screen and the exports', () => {
  it('writes money in whole đồng with the sign after, grouped per language', () => {
    expect(formatMoney('vi', 98_000_000)).toBe('98.000.000 ₫');
    expect(formatMoney('en', 1_350_000.4)).toBe('1,350,000 ₫');
    expect(formatMoney('vi', null)).toBe('—');
  });

  it('writes shares and numbers with the language’s decimal mark', () => {
    expect(formatPercent('vi', 0.4444)).toBe('44,4 %');
    expect(formatPercent('en', 0.4444)).toBe('44.4 %');
    expect(formatPercent('vi', 0.75)).toBe('75 %');
    expect(formatNumber('vi', 1200, 0)).toBe('1.200');
  });

  it('writes whole numbers grouped per language, as the equipment export writes a cost', () => {
    expect(formatWhole('vi', 98_000_000)).toBe('98.000.000');
    expect(formatWhole('vi', 1_250_000.4)).toBe('1.250.000');
    expect(formatWhole('en', 98_000_000)).toBe('98,000,000');
    expect(formatWhole('vi', 999)).toBe('999');
  });

  it('writes instants in Asia/Ho_Chi_Minh whatever the machine’s zone', () => {
    // 17:30 UTC on 4 September is already 5 September in Vietnam.
    expect(formatDate('vi', Date.UTC(2025, 8, 4, 17, 30))).toBe('05/09/2025');
    expect(formatDateTime('en', Date.UTC(2025, 8, 4, 17, 30, 5))).toContain('00:30:05');
    expect(formatDay('vi', '2025-09-05')).toBe('05/09/2025');
    expect(formatDay('en', null)).toBe('—');
  });

  it('gives the exports the same text as the screen', () => {
    expect(pct(0.4444)).toBe(formatPercent('vi', 0.4444));
    expect(vnd(98_000_000)).toBe(formatMoney('vi', 98_000_000));
    // The report's status labels name the planning thresholds in the same format.
    expect(STATUS_LABELS.underused).toBe('Ít sử dụng (< 20 %)');
    expect(STATUS_LABELS.saturated).toBe('Quá tải (> 80 %)');
  });

  it('knows English has a singular and Vietnamese does not', () => {
    expect(pluralCategory('en', 1)).toBe('one');
    expect(pluralCategory('en', 3)).toBe('other');
    expect(pluralCategory('vi', 1)).toBe('other');
    expect(countNoun(1, 'row')).toBe('1 row');
    expect(countNoun(6, 'row')).toBe('6 rows');
    expect(countNoun(0, 'device')).toBe('0 devices');
    expect(countNoun(2, 'entry', 'entries')).toBe('2 entries');
  });
});
