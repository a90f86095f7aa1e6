/** Who is told about alerts, and what happened when they were (docs/alerts.md, "Notifications"). */
import type { Severity } from '../domain/index.js';

export interface RecipientInput {
  /** A school; or null with a district for every school of it; both null for the province (admins). */
  schoolId: number | null;
  districtId: number | null;
  /** 'warning': warning and critical alerts; 'critical': critical only. */
  minSeverity: Severity;
  channel: 'email' | 'webhook';
  /**
   * One e-mail address (a list is refused), or the webhook's https:// (or http://) URL, which must not point into the
   * server's own network (docs/security.md, Webhooks).
   */
  address: string;
  language: 'vi' | 'en';
  /** Also the daily digest (config alerts.digestAt). */
  digest: boolean;
}

export interface RecipientView extends RecipientInput {
  id: number;
  createdBy: string;
  /** ISO time. */
  createdAt: string;
}

/** The answer to a creation: a webhook's signing secret, shown this once only. */
export interface NewRecipientResponse extends RecipientView {
  secret?: string;
}

/** The answer to rotating a webhook's secret: the new one, shown this once; the old one stops working at once. */
export interface RotatedSecretResponse {
  id: number;
  secret: string;
}

export interface AttemptsQuery {
  recipientId?: number;
  limit?: number;
}

export interface NotificationAttemptView {
  id: number;
  recipientId: number;
  /** ISO time. */
  at: string;
  kind: 'alerts' | 'digest' | string;
  /** How many alert changes the message carried. */
  items: number;
  ok: boolean;
  /** HTTP status of a webhook, SMTP code of an e-mail, when there was an answer. */
  status: number | null;
  /** What failed; a target refused by the address guard reads "refused: private address" and nothing more. */
  error: string | null;
  /** The message's X-EduFleet-Delivery id, the same over its retries (null in attempts logged before ids). */
  deliveryId: string | null;
  /** This was the last attempt (alerts.notifyMaxAttempts): the message was given up. */
  gaveUp: boolean;
}
