/** Who is told about alerts, and what happened when they were (docs/alerts.md, "Notifications"). */
import type { Severity } from '../domain/index.js';

export interface RecipientInput {
  /** A school; or null with a district for every school of it; both null for the province (admins). */
  schoolId: number | null;
  districtId: number | null;
  /** 'warning': warning and critical alerts; 'critical': critical only. */
  minSeverity: Severity;
  channel: 'email' | 'webhook';
  /** The e-mail address, or the webhook's https:// (or http://) URL. */
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
  error: string | null;
}
