/**
 * Vietnamese text as people type it: with or without diacritics, any case, any spacing. Browser-safe (the web
 * app's filters use it too), so nothing here may import Node modules.
 */

/** No diacritics, đ → d, case kept: "Điểm chính" → "Diem chinh". */
export function stripDiacritics(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').replace(/[đĐ]/g, (c) => (c === 'đ' ? 'd' : 'D'));
}

/** A key to compare names by: lower case, no diacritics, single spaces ("  Điểm  Chính " = "diem chinh"). */
export function foldKey(s: string): string {
  return stripDiacritics(s).toLowerCase().trim().replace(/\s+/g, ' ');
}
