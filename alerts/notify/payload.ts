/**
 * What an outbox row holds and the JSON body of a webhook (docs/alerts.md, "Webhooks"). The body repeats the
 * delivery id of the `X-EduFleet-Delivery` header, so a receiver that stores bodies can drop a repeat too.
 */
import type { DigestData, OutboxRow } from '../../registry/index.js';
import type { AlertEvent } from '../events.js';
import { ruleWords } from './texts.js';

/** An outbox row's content: an alert change, or a school's digest. */
export type Queued = AlertEvent | { type: 'digest'; day: string; data: DigestData };

/**
 * The messages of one claim. A row that was already attempted goes out again in the message it failed in (same
 * rows, same delivery id); the rest: one message per school, each digest alone.
 */
export function groups(rows: readonly OutboxRow[]): { row: OutboxRow; q: Queued }[][] {
  const byKey = new Map<string, { row: OutboxRow; q: Queued }[]>();
  for (const row of rows) {
    const q = JSON.parse(row.event) as Queued;
    const key = row.deliveryId !== null ? `delivery-${row.deliveryId}` : q.type === 'digest' ? `digest-${row.id}` : `school-${row.schoolId}`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = []));
    g.push({ row, q });
  }
  return [...byKey.values()];
}

/**
 * A message's delivery id: the recipient and the first outbox row of the message. A row belongs to one message only,
 * so the id is unique, and it is pinned on the rows at the first attempt, so every retry carries it.
 */
export function deliveryIdOf(recipientId: number, rows: readonly OutboxRow[]): string {
  return rows.find((r) => r.deliveryId !== null)?.deliveryId ?? `${recipientId}-${Math.min(...rows.map((r) => r.id))}`;
}

export function webhookBody(qs: Queued[], o: { now: number; deliveryId: string; dashboardUrl: string }): object {
  const first = qs[0]!;
  const sentAt = new Date(o.now).toISOString();
  const url = o.dashboardUrl;
  const deliveryId = o.deliveryId;
  if (first.type === 'digest') {
    return { type: 'digest', deliveryId, day: first.day, school: { id: first.data.schoolId, name: first.data.schoolName }, alerts: first.data.open, fixed: first.data.fixed,
      pastServiceLife: first.data.pastServiceLife, warrantyEnding: first.data.warrantyEnding, sentAt };
  }
  const events = qs as AlertEvent[];
  const types = new Set(events.map((e) => e.type));
  return {
    type: types.size === 1 ? first.type : 'mixed',
    deliveryId,
    school: { id: first.schoolId, name: (first as AlertEvent).schoolName },
    alerts: events.map((e) => ({
      event: e.type, id: e.alertId, rule: e.rule, ruleText: { vi: ruleWords(e.rule, 'vi'), en: ruleWords(e.rule, 'en') }, severity: e.severity,
      state: e.state, device: { id: e.deviceId, name: e.deviceName, kind: e.kind }, room: { id: e.roomId, name: e.roomName },
      value: e.value, field: e.field, startedAt: new Date(e.startedAt).toISOString(), at: new Date(e.at).toISOString(), byUser: e.byUser, comment: e.comment,
      ...(url ? { url: `${url.replace(/\/$/, '')}/#/alerts/${e.alertId}` } : {}),
    })),
    sentAt,
  };
}
