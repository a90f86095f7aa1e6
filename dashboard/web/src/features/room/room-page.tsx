import { useState } from 'preact/hooks';
import type { Me } from '../../../../../api/index.js';
import { kindLabel, useKinds } from '../../data.js';
import { useGet } from '../../hooks/api-query.js';
import { fmtNumber, useI18n } from '../../i18n.js';
import { Link } from '../../ui/link.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';
import { BulkDialog } from '../commands/bulk-dialog.js';
import { LevelBadge, PresenceCell, Reasons, useLiveHealth } from '../health/health-parts.js';

/**
 * The room view: every device of one room at a glance (the board, its tablets and headsets, the sensor), one tile
 * each coloured by level, each opening the device page; tiles and counts live from the `health` batches.
 */
export function RoomPage(p: { id: number; me: Me }) {
  const [bulk, setBulk] = useState(false);
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const room = useGet('/api/rooms/:id/devices', { params: { id: p.id } });
  const devices = useLiveHealth(room.data?.devices);
  const r = room.data;
  const counts = { critical: 0, warning: 0, ok: 0, offline: 0 };
  for (const d of devices) {
    counts[d.level] += 1;
    if (d.presence === 'offline') counts.offline += 1;
  }
  const level = counts.critical ? 'critical' : counts.warning ? 'warning' : 'ok';
  return (
    <section>
      <p><Link to="/health" testid="room-back">{t('room.back')}</Link></p>
      <ErrorLine message={room.error} />
      {!r && !room.error && <Loading />}
      {r && (
        <>
          <div class="page-head">
            <h1 data-testid="room-title">{t('room.title', { name: r.room.name })}</h1>
            <LevelBadge level={level} testid="room-level" />
            {p.me.permissions.sendCommands && <button type="button" class="primary" data-testid="room-bulk" onClick={() => setBulk(true)}>{t('bulk.room')}</button>}
          </div>
          <p class="muted">{t('room.where', { school: r.room.schoolName, site: r.room.siteName })}</p>
          <div class="card health-counts" data-testid="room-rollup">
            {(['critical', 'warning', 'offline', 'ok'] as const).map((k) => (
              <span key={k} class={`count count-${k}`}>{t(`health.count.${k}`)}: <b>{fmtNumber(lang, counts[k])}</b></span>
            ))}
            <span class="muted">{t('health.devicesOf', { devices: r.rollup.devices })}</span>
          </div>
          <h2>{t('room.devices')}</h2>
          {devices.length === 0 && <Empty>{t('room.empty')}</Empty>}
          <div class="room-tiles" data-testid="room-tiles">
            {devices.map((d) => (
              <Link key={d.id} to={`/devices/${encodeURIComponent(d.id)}`} class={`room-tile level-${d.level} presence-${d.presence}`} testid={`room-tile-${d.id}`}>
                <span class="small muted">{kindLabel(kinds, d.kind, lang)}</span>
                <b>{d.name}</b>
                <PresenceCell presence={d.presence} since={d.presenceSince} />
                {d.level !== 'ok' && <Reasons reasons={d.reasons} />}
              </Link>
            ))}
          </div>
          {bulk && <BulkDialog open target={{ type: 'room', id: String(p.id) }} onClose={() => setBulk(false)} />}
        </>
      )}
    </section>
  );
}
