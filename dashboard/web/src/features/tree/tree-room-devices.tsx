import { useCallback, useEffect, useState } from 'preact/hooks';
import type { DeviceListResponse, DeviceRow, LiveView } from '../../../../../api/index.js';
import { api, query } from '../../api.js';
import { kindLabel, useKinds } from '../../data.js';
import { useI18n } from '../../i18n.js';
import { useLiveBatches } from '../../live.js';
import { ProblemTags, StateBadge } from '../../ui/badges.js';
import { Link } from '../../ui/link.js';
import { errorText } from '../../ui/format.js';

/** The devices of one room (GET /api/devices?roomId=…), their live state kept current from the live batches. */
export function RoomDevices(p: { roomId: number; showRetired: boolean; version: number }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  const [rows, setRows] = useState<DeviceRow[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    const ctl = new AbortController();
    api<DeviceListResponse>('/api/devices' + query({ roomId: p.roomId, limit: 500, includeRetired: p.showRetired ? 'true' : undefined }), { signal: ctl.signal })
      .then((d) => { setRows(d.devices); setError(''); }, (e: Error) => { if (e.name !== 'AbortError') setError(errorText(e)); });
    return () => ctl.abort();
  }, [p.roomId, p.showRetired, p.version]);

  useLiveBatches(useCallback((batch: LiveView[]) => {
    setRows((list) => {
      if (!list) return list;
      const byId = new Map(batch.map((v) => [v.id, v]));
      return list.some((r) => byId.has(r.id)) ? list.map((r) => { const v = byId.get(r.id); return v ? { ...r, ...v } : r; }) : list;
    });
  }, []));

  return (
    <div class="room-devices">
      <h3>{t('place.roomDevices')}</h3>
      {error && <p class="error" data-testid="room-devices-error">{error}</p>}
      <div class="table-wrap">
        <table data-testid="room-devices">
          <thead><tr><th>{t('devices.name')}</th><th>{t('record.code')}</th><th>{t('devices.kind')}</th><th>{t('devices.state')}</th><th>{t('devices.problems')}</th></tr></thead>
          <tbody>
            {rows?.map((d) => (
              <tr key={d.id} data-testid={`room-device-${d.id}`}>
                <td><Link to={`/devices/${encodeURIComponent(d.id)}`}>{d.name}</Link><div class="muted small">{d.id}</div></td>
                <td>{d.code ?? '—'}</td>
                <td>{kindLabel(kinds, d.kind, lang)}</td>
                <td><StateBadge state={d.state} testid={`room-device-state-${d.id}`} /></td>
                <td><ProblemTags problems={d.problems} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows && rows.length === 0 && <p class="muted empty">{t('place.noDevices')}</p>}
      {!rows && !error && <p class="muted empty">{t('devices.loading')}</p>}
    </div>
  );
}
