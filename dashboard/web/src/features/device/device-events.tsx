import type { AlertView } from '../../../../../api/index.js';
import { reasonText } from '../../../../../domain/health-texts.js';
import { useGet } from '../../hooks/api-query.js';
import { fmtDateTime, useI18n, type MessageKey } from '../../i18n.js';
import { Empty, ErrorLine, Loading } from '../../ui/states.js';

/** "Sự kiện": the device's latest 100 events (errors, sessions …), newest first. */
export function EventsCard(p: { id: string }) {
  const { lang, t } = useI18n();
  const q = useGet('/api/devices/:id/events', { params: { id: p.id } });
  const events = q.data?.events ?? [];
  return (
    <div class="card" data-testid="device-events">
      <h2>{t('device.events')}</h2>
      {q.data?.error && <p class="notice" data-testid="events-error">{t('device.eventsError')}</p>}
      <ErrorLine message={q.data ? '' : q.error ?? ''} testid="events-load-error" />
      {!q.data && !q.error && <Loading inline />}
      {q.data && events.length === 0 && !q.data.error && <Empty testid="events-empty">{t('device.noEvents')}</Empty>}
      {events.length > 0 && (
        <div class="table-scroll">
          <table class="events">
            <thead><tr><th>{t('device.eventAt')}</th><th>{t('device.eventType')}</th><th>{t('device.eventCode')}</th><th>{t('device.eventMessage')}</th></tr></thead>
            <tbody>
              {events.map((e, i) => (
                <tr key={`${e.ts}-${i}`} data-testid="event-row">
                  <td>{fmtDateTime(lang, e.ts)}</td><td>{e.type}</td><td>{e.code ?? '—'}</td><td>{e.message ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

const STATE_LABELS: Record<AlertView['state'], MessageKey> = {
  pending: 'device.alertPending', firing: 'device.alertFiring', acknowledged: 'device.alertAcked', resolved: 'device.alertResolved',
};

/**
 * "Cảnh báo": the device's open and recent alerts from the alert inbox's route. Until that route is served, the read
 * fails and the section says so; the rest of the page does not depend on it.
 */
export function AlertsCard(p: { id: string }) {
  const { lang, t } = useI18n();
  const q = useGet('/api/alerts', { query: { deviceId: p.id, state: 'all', limit: 20 } });
  const alerts = q.data?.alerts ?? [];
  return (
    <div class="card" data-testid="device-alerts">
      <h2>{t('device.alerts')}</h2>
      {!q.data && q.error && <p class="notice" data-testid="alerts-error">{t('device.alertsError')}</p>}
      {!q.data && !q.error && <Loading inline />}
      {q.data && alerts.length === 0 && <Empty testid="alerts-empty">{t('device.noAlerts')}</Empty>}
      {alerts.length > 0 && (
        <table class="alerts">
          <thead><tr><th>{t('device.alertRule')}</th><th>{t('device.alertState')}</th><th>{t('device.alertSince')}</th></tr></thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id} data-testid="alert-row" class={`severity-${a.severity}`}>
                <td>{reasonText({ rule: a.rule, severity: a.severity, ...(a.value !== null ? { value: a.value } : {}), ...(a.field ? { field: a.field } : {}) }, lang)}</td>
                <td>{t(STATE_LABELS[a.state])}</td>
                <td>{fmtDateTime(lang, a.resolvedAt ?? a.ackedAt ?? a.firedAt ?? a.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
