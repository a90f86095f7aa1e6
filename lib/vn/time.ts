/**
 * Local days in Vietnam (yyyy-mm-dd) from instants and back, for the browser as well as the server: Vietnam keeps
 * UTC+7 all year (no daylight saving), so a local day is the UTC date of the instant moved by seven hours, without
 * Intl. Browser-safe: no node imports.
 */
const VN_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** The local date in Vietnam of a UTC instant (e.g. a week's start, Monday 00:00 in Vietnam). */
export function vnDay(ms: number): string {
  return new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** Today in Vietnam. */
export function vnToday(now = Date.now()): string {
  return vnDay(now);
}

/** A local date `n` days later (earlier when negative). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

