/** Who is told about alerts, and what happened when they were (docs/alerts.md, "Notifications"). */
import { Type, type Static } from '@sinclair/typebox';
import { SeveritySchema } from './alerts.js';
import { Id, lit, Nullable, Obj } from './kit.js';

const recipientFields = {
  schoolId: Nullable(Id, { description: 'A school; or null with a district for every school of it; both null for the province (admins).' }),
  districtId: Nullable(Id),
  minSeverity: lit(['warning', 'critical'], { description: '\'warning\': warning and critical alerts; \'critical\': critical only.' }),
  channel: lit(['email', 'webhook']),
  address: Type.String({
    minLength: 3, maxLength: 500,
    description: 'One e-mail address (a list is refused), or the webhook\'s https:// (or http://) URL, which must not point into the server\'s own network (docs/security.md, Webhooks).',
  }),
  language: lit(['vi', 'en']),
  digest: Type.Boolean({ description: 'Also the daily digest (config alerts.digestAt).' }),
};
export const RecipientInput = Obj(recipientFields);
export type RecipientInput = Static<typeof RecipientInput>;

const viewFields = {
  ...recipientFields,
  // Stored rows may predate the input's limits: the answer is described by type, not by the input's bounds.
  schoolId: Nullable(Type.Integer()),
  districtId: Nullable(Type.Integer()),
  minSeverity: SeveritySchema,
  address: Type.String(),
  id: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Type.String({ description: 'ISO time.' }),
};
export const RecipientView = Obj(viewFields);
export type RecipientView = Static<typeof RecipientView>;
export const RecipientList = Type.Array(RecipientView);

/** The answer to a creation: a webhook's signing secret, shown this once only. */
export const NewRecipientResponse = Obj({ ...viewFields, secret: Type.Optional(Type.String()) });
export type NewRecipientResponse = Static<typeof NewRecipientResponse>;

/** The answer to rotating a webhook's secret: the new one, shown this once; the old one stops working at once. */
export const RotatedSecretResponse = Obj({ id: Type.Integer(), secret: Type.String() });
export type RotatedSecretResponse = Static<typeof RotatedSecretResponse>;

export const AttemptsQuery = Type.Object({
  recipientId: Type.Optional(Id),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
export type AttemptsQuery = Static<typeof AttemptsQuery>;

export const NotificationAttemptView = Obj({
  id: Type.Integer(),
  recipientId: Type.Integer(),
  at: Type.String({ description: 'ISO time.' }),
  kind: Type.String({ description: '\'alerts\' or \'digest\'.' }),
  items: Type.Integer({ description: 'How many alert changes the message carried.' }),
  ok: Type.Boolean(),
  status: Nullable(Type.Integer(), { description: 'HTTP status of a webhook, SMTP code of an e-mail, when there was an answer.' }),
  error: Nullable(Type.String(), { description: 'What failed; a target refused by the address guard reads "refused: private address" and nothing more.' }),
  deliveryId: Nullable(Type.String(), { description: 'The message\'s X-EduFleet-Delivery id, the same over its retries (null in attempts logged before ids).' }),
  gaveUp: Type.Boolean({ description: 'This was the last attempt (alerts.notifyMaxAttempts): the message was given up.' }),
});
export type NotificationAttemptView = Static<typeof NotificationAttemptView>;
export const AttemptList = Type.Array(NotificationAttemptView);
