import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { FieldValue, KindField, LiveView, Me } from '../../../../../api/index.js';
import { ProblemTags, StateBadge } from '../../ui/badges.js';
import { Link } from '../../ui/link.js';
import { HistoryCard } from './history-card.js';
import { AlertsCard, EventsCard } from './device-events.js';
import { RecordSection } from '../records/record-section.js';
import { DeviceCommands } from '../commands/device-commands.js';
import { EdgeViaLine } from '../edges/edge-via.js';
import { useKinds } from '../../data.js';
import { useGet } from '../../hooks/api-query.js';
import { fieldLabel, fmtDate, fmtDateTime, fmtNumber, useI18n, type Lang, type T } from '../../i18n.js';
import { useWatchDevice } from '../../live.js';

function formatValue(lang: Lang, t: T, v: FieldValue | undefined, f: KindField | undefined): string {
  if (v === undefined) return '—';
  if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no');
  if (typeof v === 'number') return f?.unit ? `${fmtNumber(lang, v)} ${f.unit}` : fmtNumber(lang, v);
  return v;
}

/**
 * One device: its record, its latest readings with units, a live chart of its kind's chart field, and its full asset
 * record. The route table keys the page by id, so another device starts from a clean state.
 */
export function DevicePage(p: { id: string; me: Me }) {
  const { lang, t } = useI18n();
  const kinds = useKinds();
  // A write to the record (name, room, credentials) makes this stale too: the head of the page follows.
  const q = useGet('/api/devices/:id', { params: { id: p.id } });
  const detail = q.data;
  const [live, setLive] = useState<LiveView | null>(null);
  const kind = kinds?.find((k) => k.kind === detail?.device.kind);
  const chartField = kind?.chartField;

  useEffect(() => {
    if (detail) setLive(detail.device);
  }, [detail]);

  useWatchDevice(p.id, useCallback((v: LiveView) => setLive(v), []));

  const fields = useMemo(() => kind?.fields ?? [], [kind]);
  if (q.error && !detail) return <p class="error" data-testid="device-error">{q.status === 403 ? t('common.forbidden') : q.status === 404 ? t('common.notFound') : t('common.error', { message: q.error })}</p>;
  if (!detail || !live) return <p class="muted">{t('devices.loading')}</p>;
  const d = detail.device;
  const record: [string, string][] = [
    [t('device.id'), d.id],
    [t('device.kind'), kind?.label[lang] ?? d.kind],
    [t('device.code'), d.code ?? '—'],
    [t('device.model'), d.model ?? '—'],
    [t('device.manufacturer'), d.manufacturer ?? '—'],
    [t('device.serial'), d.serial ?? '—'],
    [t('device.district'), d.districtName ?? '—'],
    [t('device.school'), d.schoolName],
    [t('device.site'), d.siteName],
    [t('device.room'), d.roomName],
    [t('device.createdAt'), fmtDate(lang, d.createdAt)],
  ];

  return (
    <section>
      <Link to="/devices" class="back">{t('device.back')}</Link>
      <div class="page-head">
        <h1 data-testid="device-title">{d.name}</h1>
        <StateBadge state={live.state} testid="device-state" />
        <ProblemTags problems={live.problems} testid="device-problems" />
      </div>
      <p class="muted">{d.schoolName} · {d.roomName} · {t('device.lastSeen')}: <span data-testid="device-last-seen">{fmtDateTime(lang, live.lastSeen)}</span></p>
      <EdgeViaLine edge={d.edge} canOpen={p.me.permissions.readEdges} />
      <div class="grid-2">
        <div class="card">
          <h2>{t('device.record')}</h2>
          <dl class="record" data-testid="device-record">
            {record.map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
            {detail.rejected > 0 && <div><dt>{t('device.rejected')}</dt><dd>{fmtNumber(lang, detail.rejected)}</dd></div>}
            {detail.lastRejection && <div><dt>{t('device.lastRejection')}</dt><dd>{fmtDateTime(lang, detail.lastRejection.ts)}{detail.lastRejection.reason ? ` — ${detail.lastRejection.reason}` : ''}</dd></div>}
          </dl>
        </div>
        <div class="card">
          <h2>{t('device.latest')}</h2>
          <p class="muted small">{t('device.lastReading')}: <span data-testid="device-last-reading">{fmtDateTime(lang, live.lastReadingTs)}</span></p>
          <table class="readings" data-testid="latest-readings">
            <thead><tr><th>{t('device.field')}</th><th class="num">{t('device.value')}</th></tr></thead>
            <tbody>
              {fields.map((f) => (
                <tr key={f.name} title={f.description}>
                  <td>{fieldLabel(lang, f.name)}</td>
                  <td class="num" data-testid={`field-${f.name}`}>{formatValue(lang, t, live.latest[f.name], f)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {detail.readingsError && <p class="notice">{t('device.readingsError')}</p>}
      {p.me.permissions.sendCommands && <DeviceCommands id={p.id} kind={d.kind} />}
      {chartField && <HistoryCard key={chartField} id={p.id} chartField={chartField} fields={fields} />}
      <div class="grid-2">
        <AlertsCard id={p.id} />
        <EventsCard id={p.id} />
      </div>
      <RecordSection id={p.id} />
    </section>
  );
}
