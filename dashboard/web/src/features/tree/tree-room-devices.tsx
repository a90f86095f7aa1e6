import type { DeviceRow } from '../../../../../api/index.js';
import { kindLabel, useKinds } from '../../data.js';
import { useGet } from '../../hooks/api-query.js';
import { useLiveRows } from '../../hooks/live-rows.js';
import { useI18n } from '../../i18n.js';
import { ProblemTags, StateBadge } from '../../ui/badges.js';
import { Link } from '../../ui/link.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';
import { Table, type Column } from '../../ui/table.js';

/** The devices of one room (GET /api/devices?roomId=…), their live state kept current from the live batches. */
export function RoomDevices(p: { roomId: number; showRetired: boolean }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const q = useGet('/api/devices', { query: { roomId: p.roomId, limit: 500, includeRetired: p.showRetired || undefined } });
  const rows = useLiveRows(q.data?.devices);
  const columns: Column<DeviceRow>[] = [
    { head: t('devices.name'), cell: (d) => <><Link to={`/devices/${encodeURIComponent(d.id)}`}>{d.name}</Link><div class="muted small">{d.id}</div></> },
    { head: t('record.code'), cell: (d) => d.code ?? '—' },
    { head: t('devices.kind'), cell: (d) => kindLabel(kinds, d.kind, lang) },
    { head: t('devices.state'), cell: (d) => <StateBadge state={d.state} testid={`room-device-state-${d.id}`} /> },
    { head: t('devices.problems'), cell: (d) => <ProblemTags problems={d.problems} /> },
  ];

  return (
    <div class="room-devices">
      <h3>{t('place.roomDevices')}</h3>
      <ErrorLine message={q.error} testid="room-devices-error" bare />
      <div class="table-wrap">
        <Table testid="room-devices" rows={rows} columns={columns} rowKey={(d) => d.id} rowTestid={(d) => `room-device-${d.id}`} />
      </div>
      {q.data && rows.length === 0 && <Empty>{t('place.noDevices')}</Empty>}
      {!q.data && !q.error && <Loading inline />}
    </div>
  );
}
