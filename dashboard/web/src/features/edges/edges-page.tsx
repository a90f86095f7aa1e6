import { useState } from 'preact/hooks';
import type { EdgeView, Me } from '../../../../../api/index.js';
import { useGet } from '../../hooks/api-query.js';
import { fmtDateTime, fmtNumber, useI18n } from '../../i18n.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';
import { EdgeDetail } from './edge-detail.js';
import { EdgeRegister } from './edge-register.js';
import { fmtAge, fmtLag, fmtSize, linkBadge } from './edge-format.js';

/**
 * The province's view of its edge nodes (docs/edge.md): one row per edge in scope, worst first as the server sorts
 * them; a row opens the edge's own health. Rows become cards on a phone (styles.css `.edges-table`).
 */
export function EdgesPage(p: { me: Me; search: URLSearchParams }) {
  const { t } = useI18n();
  // Link states change by the minute: refetch while the screen is open.
  const { data, error, reload } = useGet('/api/edges', {}, { pollMs: 30_000 });
  // `/edges?edge=ID` opens that edge's detail (the device page links here).
  const [open, setOpen] = useState<string | null>(p.search.get('edge'));
  if (error && !data) return <ErrorLine message={error} />;
  if (!data) return <Loading />;
  const selected = data.edges.find((e) => e.id === open);
  return (
    <section>
      <div class="page-head"><h1>{t('edges.title')}</h1></div>
      <p class="muted small">{t('edges.hint')}</p>
      {p.me.permissions.manageEdges && <EdgeRegister onDone={(e) => {
        setOpen(e.id);
        reload();
      }} />}
      {selected && <EdgeDetail edge={selected} onClose={() => setOpen(null)} canManage={p.me.permissions.manageEdges} onChanged={reload} />}
      {data.edges.length === 0 ? <Empty testid="edges-none">{t('edges.none')}</Empty> : (
        <div class="card table-wrap">
          <table class="edges-table" data-testid="edges-table">
            <thead>
              <tr>
                <th>{t('edges.col.site')}</th><th>{t('edges.col.edge')}</th><th>{t('edges.col.link')}</th><th>{t('edges.col.lastContact')}</th>
                <th>{t('edges.col.completeUntil')}</th><th>{t('edges.col.backlog')}</th>
              </tr>
            </thead>
            <tbody>{data.edges.map((e) => <EdgeRow key={e.id} edge={e} onOpen={() => setOpen(e.id)} />)}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function EdgeRow(p: { edge: EdgeView; onOpen: () => void }) {
  const { lang, t } = useI18n();
  const e = p.edge;
  const badge = linkBadge(e);
  const lag = e.lagMs === null ? null : fmtLag(t, e.lagMs);
  const b = e.backlog;
  return (
    <tr data-testid={`edge-row-${e.id}`} data-link={e.revokedAt === null ? e.link.state : 'revoked'}>
      <td data-label={t('edges.col.site')}>{e.schoolName}<div class="muted small">{e.siteName}{e.districtName ? ` · ${e.districtName}` : ''}</div></td>
      <td data-label={t('edges.col.edge')}><button type="button" class="usage-link" data-testid={`edge-open-${e.id}`} onClick={p.onOpen}>{e.name}</button></td>
      <td data-label={t('edges.col.link')}>
        <span class={`badge ${badge.cls}`} data-testid={`edge-link-${e.id}`}>{t(badge.key)}</span>
        {e.revokedAt === null && e.link.state === 'cut' && e.link.since !== null && <div class="muted small">{t('edges.link.cutSince', { time: fmtDateTime(lang, e.link.since) })}</div>}
      </td>
      <td data-label={t('edges.col.lastContact')} data-testid={`edge-contact-${e.id}`}>
        {e.lastContactAt === null ? t('edges.never') : fmtDateTime(lang, e.lastContactAt)}
        {e.link.via && <div class="muted small">{t(`edges.via.${e.link.via}`)}</div>}
      </td>
      <td data-label={t('edges.col.completeUntil')} data-testid={`edge-complete-${e.id}`}>
        {e.completeUntil === null ? t('edges.never') : fmtDateTime(lang, e.completeUntil)}
        {lag && <div class={`small edge-lag-${lag.tone}`} data-testid={`edge-lag-${e.id}`}>{lag.text}</div>}
      </td>
      <td data-label={t('edges.col.backlog')} data-testid={`edge-backlog-${e.id}`}>
        {b.records === null ? <span class="muted">{t('edges.backlog.unknown')}</span> : (
          <>
            {t('edges.backlog.records', { n: fmtNumber(lang, b.records, 0) })}{b.bytes !== null && ` · ${fmtSize(lang, b.bytes)}`}
            {b.ageMs !== null && <div class="muted small">{t('edges.backlog.oldest', { age: fmtAge(t, b.ageMs) })}</div>}
          </>
        )}
      </td>
    </tr>
  );
}
