/** lib/vn/time.ts and the chart's time format: local days and hours in Vietnam, whatever the zone of the machine. */
import { describe, expect, it } from 'vitest';
import { formatHourMinute } from '../../lib/vn/format.js';
import { addDays, vnDay, vnToday } from '../../lib/vn/time.js';

describe('local time in Vietnam', () => {
  it('takes the day of an instant in UTC+7: 17:00 UTC is already the next day', () => {
    expect(vnDay(Date.UTC(2025, 8, 4, 16, 59))).toBe('2025-09-04');
    expect(vnDay(Date.UTC(2025, 8, 4, 17, 0))).toBe('2025-09-05');
    expect(vnToday(Date.UTC(2025, 11, 31, 18, 0))).toBe('2026-01-01');
  });

  it('adds days across months, years and a leap day', () => {
    expect(addDays('2025-01-31', 1)).toBe('2025-02-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });

  it('writes a chart hour in 24-hour Vietnam time', () => {
    expect(formatHourMinute('vi', Date.UTC(2025, 8, 5, 7, 5))).toBe('14:05');
    expect(formatHourMinute('en', Date.UTC(2025, 8, 5, 17, 30))).toBe('00:30');
  });
});
