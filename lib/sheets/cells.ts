/**
 * Tolerant reading of the cells Vietnamese offices type into sheets: header names with or without diacritics,
 * dates as dd/mm/yyyy, amounts with thousands dots. Every parser returns either a value or a reason a user can act on.
 */
import { foldKey } from '../vn/text.js';

/** Lower case, no diacritics (đ → d), no parenthesised units, single spaces: "Nguyên giá (VNĐ)" → "nguyen gia". */
export function fold(s: string): string {
  return foldKey(s.replace(/\([^)]*\)/g, ' ').replace(/_/g, ' '));
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const bad = (reason: string): Parsed<never> => ({ ok: false, reason });

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}
export const isoDate = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** dd/mm/yyyy, d/m/yyyy (also with '-' or '.'), or ISO yyyy-mm-dd → ISO; impossible dates are refused. */
export function parseDate(raw: string): Parsed<string> {
  const s = raw.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  let y: number, mo: number, d: number;
  if (m) { y = +m[1]!; mo = +m[2]!; d = +m[3]!; } else {
    m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s);
    if (!m) return bad('is not a date (expected dd/mm/yyyy or yyyy-mm-dd)');
    d = +m[1]!; mo = +m[2]!; y = +m[3]!;
  }
  if (!validDate(y, mo, d)) return bad('is not a real date');
  return ok(isoDate(y, mo, d));
}

/** VND: `98.000.000`, `98,000,000`, `98 000 000`, `98000000`, with or without `₫`, `đ`, `VNĐ`, `VND`. Whole dong only. */
export function parseMoney(raw: string): Parsed<number> {
  const s = raw.trim().replace(/\s*(₫|vnđ|vnd|đồng|dong|đ|d)\s*$/i, '').replace(/[\s\u00a0]/g, '');
  if (/^\d{1,3}([.,])\d{3}(\1\d{3})*$/.test(s) || /^\d+$/.test(s)) return ok(Number(s.replace(/[.,]/g, '')));
  return bad('is not an amount of money in VND (e.g. 98.000.000)');
}

/** A whole number ≥ 0 (months of warranty, years of service life). */
export function parseWhole(raw: string): Parsed<number> {
  const s = raw.trim();
  if (!/^\d{1,4}$/.test(s)) return bad('is not a whole number');
  return ok(Number(s));
}

/**
 * A count ≥ 0 as offices write it: `1250`, `1.250`, `1,250` or `1 250` (thousands separators, never decimals, since
 * a count has none); `-3`, `12,5` and words are refused.
 */
export function parseCount(raw: string): Parsed<number> {
  const s = raw.trim().replace(/\u00a0/g, ' ');
  if (/^-\s*\d/.test(s)) return bad('is negative');
  if (/^\d{1,3}([., ])\d{3}(\1\d{3})*$/.test(s) || /^\d{1,9}$/.test(s)) return ok(Number(s.replace(/[., ]/g, '')));
  if (/^\d+[.,]\d+$/.test(s)) return bad('is not a whole number');
  return bad('is not a number');
}
