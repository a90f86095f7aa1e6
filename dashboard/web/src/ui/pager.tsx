import { fmtNumber, useI18n, type MessageKey } from '../i18n.js';

/**
 * Previous / next over a server-paged list, with "1–50 of 1,234 devices" between them. `testids` names the three
 * parts for a list other than the devices (prefix-prev, prefix-pagination, prefix-next).
 */
export function Pager(p: { offset: number; shown: number; total: number; pageSize: number; label?: MessageKey; testids?: string; onOffset: (offset: number) => void }) {
  const { lang, t } = useI18n();
  if (p.total <= 0) return null;
  const n = (x: number) => fmtNumber(lang, x);
  const id = (part: 'prev' | 'next' | 'info') => (p.testids ? `${p.testids}-${part === 'info' ? 'pagination' : part}` : part === 'info' ? 'pagination-info' : `page-${part}`);
  return (
    <div class="pager">
      <button data-testid={id('prev')} disabled={p.offset === 0} onClick={() => p.onOffset(Math.max(0, p.offset - p.pageSize))}>{t('devices.prev')}</button>
      <span data-testid={id('info')}>{t(p.label ?? 'devices.page', { from: n(p.offset + 1), to: n(Math.min(p.total, p.offset + p.shown)), total: p.total })}</span>
      <button data-testid={id('next')} disabled={p.offset + p.pageSize >= p.total} onClick={() => p.onOffset(p.offset + p.pageSize)}>{t('devices.next')}</button>
    </div>
  );
}
