/**
 * `<input type="datetime-local">` values read as Vietnam time whatever the browser's zone: a technician in Hà Nội
 * and an admin travelling abroad both mean the school's clock (UTC+7 all year, no daylight saving).
 */
const VN_OFFSET_MS = 7 * 3_600_000;

export const toVnInput = (ms: number): string => new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 16);

/** NaN when the field is empty or malformed. */
export const fromVnInput = (value: string): number => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? Date.parse(`${value}:00Z`) - VN_OFFSET_MS : NaN);
