/**
 * What the alert engine tells the rest of EduFleet when an alert changes. Listeners run inside the transaction
 * of the change (an outbox: a notification is queued exactly when the change commits, once, by the one process
 * whose conditional update won).
 */
import type { RegistryStore } from '../registry/index.js';
import type { AlertState, RuleId, Severity } from '../domain/index.js';

export interface AlertEvent {
  /** What happened: an alert fired, was re-notified (firing, unacknowledged), acknowledged or resolved. */
  type: 'fired' | 'renotify' | 'acknowledged' | 'resolved';
  alertId: number;
  rule: RuleId;
  severity: Severity;
  state: AlertState;
  deviceId: string;
  deviceName: string;
  kind: string;
  roomId: number;
  roomName: string;
  schoolId: number;
  schoolName: string;
  districtId: number | null;
  value: number | null;
  field: string | null;
  /** When the condition began (the "since" of a message). */
  startedAt: number;
  at: number;
  /** Who acknowledged or resolved it (null: the engine). */
  byUser: string | null;
  comment: string | null;
}

/** Called with the transaction's store; throwing rolls the change back. */
export type AlertListener = (tx: RegistryStore, event: AlertEvent) => Promise<void>;
