/** Ages, lags and sizes of the edges screen in words ("chậm 3 ngày", "20 GB"). */
import type { EdgeView } from '../../../../../api/index.js';
import { fmtNumber, type Lang, type MessageKey, type T } from '../../i18n.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** A duration in the largest whole unit: "45 giây", "12 phút", "5 giờ", "3 ngày". */
export function fmtAge(t: T, ms: number): string {
  const a = Math.abs(ms);
  if (a < MIN) return t('edges.age.seconds', { n: Math.max(1, Math.round(a / 1000)) });
  if (a < HOUR) return t('edges.age.minutes', { n: Math.floor(a / MIN) });
  if (a < DAY) return t('edges.age.hours', { n: Math.floor(a / HOUR) });
  return t('edges.age.days', { n: Math.floor(a / DAY) });
}

/** How far behind the province is on the site: within 10 minutes is up to date (the usage analysis' own settle time). */
export function fmtLag(t: T, lagMs: number): { text: string; tone: 'ok' | 'warn' | 'bad' } {
  if (lagMs <= 10 * MIN) return { text: t('edges.lag.none'), tone: 'ok' };
  const [key, n]: [MessageKey, number] = lagMs < HOUR ? ['edges.lag.minutes', Math.floor(lagMs / MIN)]
    : lagMs < DAY ? ['edges.lag.hours', Math.floor(lagMs / HOUR)] : ['edges.lag.days', Math.floor(lagMs / DAY)];
  return { text: t(key, { n }), tone: lagMs < DAY ? 'warn' : 'bad' };
}

/** Bytes as "1,2 MB" / "20 GB" in the user's language. */
export function fmtSize(lang: Lang, n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${fmtNumber(lang, v, i === 0 ? 0 : 1)} ${units[i]}`;
}

/** The badge of an edge's link: revoked first, then connected / cut / never. */
export function linkBadge(e: Pick<EdgeView, 'revokedAt' | 'link'>): { key: MessageKey; cls: string } {
  if (e.revokedAt !== null) return { key: 'edges.link.revoked', cls: 'edge-link-revoked' };
  return { key: `edges.link.${e.link.state}`, cls: `edge-link-${e.link.state}` };
}

/** A disk with less than a tenth free, or a clock more than a minute off, needs the technician. */
export const diskLow = (h: NonNullable<EdgeView['health']>) => h.diskFreeBytes !== null && h.diskTotalBytes ? h.diskFreeBytes / h.diskTotalBytes < 0.1 : false;
export const clockWrong = (h: NonNullable<EdgeView['health']>) => h.clockOffsetMs !== null && Math.abs(h.clockOffsetMs) > MIN;
