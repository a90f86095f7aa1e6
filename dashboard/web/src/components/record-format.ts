import type { RecordState, RoomType, SchoolLevel } from '../../../../api/index.js';
import { fmtDate, type Lang, type T } from '../i18n.js';

/** Shared formatting of the records pages: ISO dates as dd/mm/yyyy, money in VND, Vietnamese labels of codes. */

/** 'yyyy-mm-dd' (a calendar day) as dd/mm/yyyy; noon UTC is the same day in Asia/Ho_Chi_Minh. */
export function fmtIsoDate(lang: Lang, iso: string | null): string {
  if (!iso) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  return m ? fmtDate(lang, Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12)) : iso;
}

const vnd = new Intl.NumberFormat('vi-VN', { style: 'currency', currency: 'VND', maximumFractionDigits: 0 });
export function fmtVnd(n: number | null): string {
  return n === null ? '—' : vnd.format(n);
}

export const roomTypeLabel = (t: T, type: RoomType): string => t(`place.roomType.${type}`);
export const levelLabel = (t: T, level: SchoolLevel): string => t(`place.level.${level}`);
export const recordStateLabel = (t: T, state: RecordState): string => t(`record.state.${state}`);

/** An ApiError's (or any error's) message, for an inline error line. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
