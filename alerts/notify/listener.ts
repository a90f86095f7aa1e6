/**
 * The outbox side of notifications: called by the alert engine inside the transaction of every alert change, it
 * queues one row per matching recipient, so a notification exists exactly when the change committed.
 */
import type { Severity } from '../../domain/index.js';
import type { NotificationRecipient } from '../../registry/index.js';
import type { AlertEvent, AlertListener } from '../events.js';

/** 'warning' recipients get warning and critical; 'critical' recipients critical only. */
export const severityMatches = (r: Pick<NotificationRecipient, 'minSeverity'>, s: Severity): boolean => r.minSeverity === 'warning' || s === 'critical';

/** Whether `r` is told about `e`: acknowledgements go to machines (webhooks) only, people need not be mailed them. */
export function wants(r: NotificationRecipient, e: AlertEvent): boolean {
  if (!severityMatches(r, e.severity)) return false;
  return e.type !== 'acknowledged' || r.channel === 'webhook';
}

/**
 * `groupWindowMs`: a row is due that long after its event, and everything a recipient has by then goes out as one
 * message (config.alerts.groupWindowMs).
 */
export function notificationListener(o: { groupWindowMs: number }): AlertListener {
  return async (tx, e) => {
    const rows = (await tx.recipientsFor({ schoolId: e.schoolId, districtId: e.districtId })).filter((r) => wants(r, e));
    await tx.enqueueNotifications(rows.map((r) => ({ recipientId: r.id, schoolId: e.schoolId, event: JSON.stringify(e), at: e.at, dueAt: e.at + o.groupWindowMs })));
  };
}
