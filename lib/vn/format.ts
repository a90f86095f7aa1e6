/**
 * Numbers, money, shares, dates and times as people in Vietnam read them, on Intl, for the screen and the exports
 * alike (so a PDF, an XLSX and the page show the same "1.350.000 ₫" and "05/09/2025"). Browser-safe: no node imports.
 * Dates and times are always in Asia/Ho_Chi_Minh, whatever the zone of the machine that formats them.
 */
export type Lang = 'vi' | 'en';
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';
const LOCALE: Record<Lang, string> = { vi: 'vi-VN', en: 'en-GB' };
const DASH = '—';

const numberFormats = new Map<string, Intl.NumberFormat>();
/** 1234.56 → "1.234,6" (vi) or "1,234.6" (en). */
export function formatNumber(lang: Lang, n: number, maxFractionDigits = 1, minFractionDigits = 0): string {
  const key = `${lang}:${maxFractionDigits}:${minFractionDigits}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(LOCALE[lang], { maximumFractionDigits: maxFractionDigits, minimumFractionDigits: minFractionDigits })));
  return f.format(n);
}

/** A whole number grouped as the language groups it: 98000000 → "98.000.000" (vi), "98,000,000" (en). */
export function formatWhole(lang: Lang, n: number): string {
  return formatNumber(lang, Math.round(n), 0);
}

/** Whole đồng, the sign after the amount as in Vietnam: "1.350.000 ₫" (vi), "1,350,000 ₫" (en); null as a dash. */
export function formatMoney(lang: Lang, vnd: number | null): string {
  return vnd === null ? DASH : `${formatWhole(lang, vnd)} ₫`;
}

/** A share 0..1 as "45,2 %" (vi) or "45.2 %" (en), "75 %" when whole; null as a dash. */
export function formatPercent(lang: Lang, share: number | null, digits = 1): string {
  return share === null ? DASH : `${formatNumber(lang, share * 100, digits)} %`;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(lang: Lang, kind: 'datetime' | 'date' | 'time' | 'hm'): Intl.DateTimeFormat {
  const key = `${lang}:${kind}`;
  let f = dateFormats.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions = { timeZone: TIME_ZONE };
    if (kind !== 'time' && kind !== 'hm') Object.assign(opts, { day: '2-digit', month: '2-digit', year: 'numeric' });
    if (kind !== 'date') Object.assign(opts, { hour: '2-digit', minute: '2-digit', hour12: false }, kind === 'hm' ? {} : { second: '2-digit' });
    dateFormats.set(key, (f = new Intl.DateTimeFormat(LOCALE[lang], opts)));
  }
  return f;
}

/** An instant (UTC ms) as date and time in Vietnam; null as a dash. */
export function formatDateTime(lang: Lang, ms: number | null): string {
  return ms === null ? DASH : dateFormat(lang, 'datetime').format(ms);
}
/** An instant's day in Vietnam: dd/mm/yyyy. */
export function formatDate(lang: Lang, ms: number): string {
  return dateFormat(lang, 'date').format(ms);
}
export function formatTime(lang: Lang, ms: number): string {
  return dateFormat(lang, 'time').format(ms);
}
/** An instant's hour and minute in Vietnam, 24-hour (a chart's time axis). */
export function formatHourMinute(lang: Lang, ms: number): string {
  return dateFormat(lang, 'hm').format(ms);
}

/** A calendar day 'yyyy-mm-dd' as dd/mm/yyyy (noon UTC is the same day in Vietnam); null as a dash, other text as is. */
export function formatDay(lang: Lang, iso: string | null): string {
  if (!iso) return DASH;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? formatDate(lang, Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12)) : iso;
}

const pluralRules = new Map<Lang, Intl.PluralRules>();
/** The plural category of n ('one', 'other', …): Vietnamese has one form, English two. */
export function pluralCategory(lang: Lang, n: number): Intl.LDMLPluralRule {
  let r = pluralRules.get(lang);
  if (!r) pluralRules.set(lang, (r = new Intl.PluralRules(LOCALE[lang])));
  return r.select(n);
}

/** An English count with its noun, for server messages: "1 row", "6 rows" (`many` for irregular plurals). */
export function countNoun(n: number, one: string, many = `${one}s`): string {
  return `${n} ${pluralCategory('en', n) === 'one' ? one : many}`;
}
