import type { DeviceEdge } from '../../../../../api/index.js';
import { fmtDateTime, useI18n } from '../../i18n.js';
import { Link } from '../../ui/link.js';
import { linkBadge } from './edge-format.js';

/**
 * A device behind an edge node (docs/edge.md): its live state and last seen come through that edge, late while the
 * edge's link is cut. The device list's small label; the tooltip says why its times may lag.
 */
export function EdgeViaLabel(p: { edge: DeviceEdge | null; testid?: string }) {
  const { t } = useI18n();
  // A revoked edge no longer carries the site's data: the list says nothing, the device page says it was revoked.
  if (!p.edge || p.edge.revokedAt !== null) return null;
  return <div class="muted small edge-via" data-testid={p.testid} title={t('edges.via.hint')}>{t('edges.via.device', { name: p.edge.name })}</div>;
}

/** The device page's line: the edge, its link as the edges screen words it, and its detail there for those who may see it. */
export function EdgeViaLine(p: { edge: DeviceEdge | null; canOpen: boolean }) {
  const { lang, t } = useI18n();
  const e = p.edge;
  if (!e) return null;
  const badge = linkBadge(e);
  return (
    <p class="muted small edge-via" data-testid="device-edge">
      {t('edges.via.device', { name: e.name })}{' '}
      <span class={`badge ${badge.cls}`} data-testid="device-edge-link" data-link={e.revokedAt === null ? e.link.state : 'revoked'}>{t(badge.key)}</span>
      {e.revokedAt === null && e.link.state === 'cut' && e.link.since !== null && <> {t('edges.link.cutSince', { time: fmtDateTime(lang, e.link.since) })}</>}
      {p.canOpen && <> · <Link to={`/edges?edge=${encodeURIComponent(e.id)}`} testid="device-edge-open">{t('edges.via.open')}</Link></>}
      <br />{t(e.revokedAt === null ? 'edges.via.hint' : 'edges.via.revokedHint')}
    </p>
  );
}
