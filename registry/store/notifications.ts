/**
 * Alert notifications (docs/alerts.md, "Notifications"): recipients, the outbox the alert engine's listener fills
 * inside the transaction of an alert change, the leases that keep two processes from sending one row, every
 * attempt, and the once-a-day claim of a school's digest.
 */
import { sql, type ExpressionBuilder } from 'kysely';
import type { Severity } from '../../domain/index.js';
import { isPastServiceLife } from '../service-life.js';
import { notFound, type Ctx } from './context.js';
import type { RegistryDatabase } from './schema.js';

export type NotifyChannel = 'email' | 'webhook';

export interface NotificationRecipient {
  id: number;
  /** NULL with districtId: every school of the district; both NULL: the province. */
  schoolId: number | null;
  districtId: number | null;
  /** 'warning': warning and critical alerts; 'critical': critical only. */
  minSeverity: Severity;
  channel: NotifyChannel;
  /** E-mail address or webhook URL. */
  address: string;
  /** The webhook's HMAC key (null for e-mail). */
  secret: string | null;
  language: 'vi' | 'en';
  digest: boolean;
  createdBy: string;
  createdAt: number;
}

/** `deliveryId`: set at the first attempt of the message the row went out in; its retries carry the same rows and id. */
export interface OutboxRow { id: number; recipientId: number; schoolId: number; event: string; createdAt: number; attempts: number; deliveryId: string | null }
export interface NotificationAttempt {
  id: number; recipientId: number; at: number; kind: string; items: number; ok: boolean; status: number | null; error: string | null;
  /** The X-EduFleet-Delivery of the message (null before webhook delivery ids, and for e-mail before it). */
  deliveryId: string | null;
  /** This failure was the last attempt (alerts.notifyMaxAttempts): the message was given up. */
  gaveUp: boolean;
}
export type NewAttempt = Omit<NotificationAttempt, 'id' | 'deliveryId' | 'gaveUp'> & { deliveryId?: string | null; gaveUp?: boolean };

type RecipientDb = { id: number; school_id: number | null; district_id: number | null; min_severity: string; channel: string; address: string; secret: string | null; language: string; digest: number; created_by: string; created_at: number };
const toRecipient = (r: RecipientDb): NotificationRecipient => ({
  id: r.id, schoolId: r.school_id, districtId: r.district_id, minSeverity: r.min_severity as Severity, channel: r.channel as NotifyChannel,
  address: r.address, secret: r.secret, language: r.language === 'en' ? 'en' : 'vi', digest: Boolean(r.digest), createdBy: r.created_by,
  createdAt: Number(r.created_at),
});
const RECIPIENT_COLUMNS = ['id', 'school_id', 'district_id', 'min_severity', 'channel', 'address', 'secret', 'language', 'digest', 'created_by', 'created_at'] as const;

export async function addRecipient(c: Ctx, r: Omit<NotificationRecipient, 'id' | 'createdAt'>, at: number): Promise<NotificationRecipient> {
  const row = await c.db.insertInto('notification_recipients').values({
    school_id: r.schoolId, district_id: r.schoolId === null ? r.districtId : null, min_severity: r.minSeverity, channel: r.channel,
    address: r.address, secret: r.secret, language: r.language, digest: r.digest ? 1 : 0, created_by: r.createdBy, created_at: at,
  }).returning(RECIPIENT_COLUMNS).executeTakeFirstOrThrow();
  return toRecipient(row);
}

/** Recipients not removed (all; the caller filters by scope). */
export async function recipients(c: Ctx): Promise<NotificationRecipient[]> {
  const rows = await c.db.selectFrom('notification_recipients').select(RECIPIENT_COLUMNS).where('removed_at', 'is', null).orderBy('id').execute();
  return rows.map(toRecipient);
}

export async function recipient(c: Ctx, id: number): Promise<NotificationRecipient | undefined> {
  const r = await c.db.selectFrom('notification_recipients').select(RECIPIENT_COLUMNS).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
  return r && toRecipient(r);
}

/** A webhook's new signing secret (the old one stops working at once); false when there is no such webhook. */
export async function setRecipientSecret(c: Ctx, id: number, secret: string): Promise<boolean> {
  const r = await c.db.updateTable('notification_recipients').set({ secret }).where('id', '=', id).where('channel', '=', 'webhook')
    .where('removed_at', 'is', null).executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Removed, not deleted: its attempts log keeps pointing at it. Rows not yet sent are dropped. */
export async function removeRecipient(c: Ctx, id: number, at: number): Promise<void> {
  const r = await c.db.updateTable('notification_recipients').set({ removed_at: at }).where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
  if (r.numUpdatedRows === 0n) throw notFound(`no notification recipient ${id}`);
  await c.db.updateTable('notification_outbox').set({ sent_at: at, last_error: 'recipient removed' }).where('recipient_id', '=', id).where('sent_at', 'is', null).execute();
}

/** The recipients a school's alerts go to: its own, its district's and the province's. */
export async function recipientsFor(c: Ctx, place: { schoolId: number; districtId: number | null }): Promise<NotificationRecipient[]> {
  const rows = await c.db.selectFrom('notification_recipients').select(RECIPIENT_COLUMNS).where('removed_at', 'is', null)
    .where((eb) => eb.or([
      eb('school_id', '=', place.schoolId),
      eb.and([eb('school_id', 'is', null), place.districtId === null ? eb('district_id', 'is', null) : eb.or([eb('district_id', 'is', null), eb('district_id', '=', place.districtId)])]),
    ])).orderBy('id').execute();
  return rows.map(toRecipient);
}

export async function enqueue(c: Ctx, rows: { recipientId: number; schoolId: number; event: string; at: number; dueAt: number }[]): Promise<void> {
  if (!rows.length) return;
  await c.db.insertInto('notification_outbox')
    .values(rows.map((r) => ({ recipient_id: r.recipientId, school_id: r.schoolId, event: r.event, created_at: r.at, due_at: r.dueAt }))).execute();
}

/**
 * Leases the unsent rows of recipients that have a due row, one lease per recipient (what arrived for it until now
 * goes out together: a burst becomes one message). The conditional UPDATE is the claim: a row another process
 * leased (claimed_until in the future) is not taken, on SQLite (writes are serial) and on PostgreSQL (the second
 * UPDATE re-reads the row after the first commits). A recipient with a live lease is not claimed again at all, so one
 * message at a time is in flight to it, whatever the number of processes. Given-up rows are never taken.
 */
export async function claimOutbox(c: Ctx, o: { owner: string; now: number; leaseMs: number; recipients?: number }): Promise<{ token: string; recipientId: number; rows: OutboxRow[] }[]> {
  const busy = (eb: ExpressionBuilder<RegistryDatabase, 'notification_outbox'>) => eb.exists(eb.selectFrom('notification_outbox as held').select(sql<number>`1`.as('one'))
    .whereRef('held.recipient_id', '=', 'notification_outbox.recipient_id').where('held.sent_at', 'is', null).where('held.gave_up_at', 'is', null)
    .where('held.claimed_until', '>', o.now));
  const due = await c.db.selectFrom('notification_outbox').select('recipient_id').distinct().where('sent_at', 'is', null).where('gave_up_at', 'is', null)
    .where('due_at', '<=', o.now).where('claimed_until', '<=', o.now).where((eb) => eb.not(busy(eb))).limit(o.recipients ?? 20).execute();
  const out = [];
  for (const { recipient_id: recipientId } of due) {
    const token = `${o.owner}#${recipientId}#${o.now}#${Math.random().toString(36).slice(2, 10)}`;
    await c.db.updateTable('notification_outbox').set({ claimed_by: token, claimed_until: o.now + o.leaseMs })
      .where('recipient_id', '=', recipientId).where('sent_at', 'is', null).where('gave_up_at', 'is', null).where('claimed_until', '<=', o.now)
      .where('created_at', '<=', o.now).where((eb) => eb.not(busy(eb))).execute();
    const rows = await c.db.selectFrom('notification_outbox').select(['id', 'recipient_id', 'school_id', 'event', 'created_at', 'attempts', 'delivery_id'])
      .where('claimed_by', '=', token).where('sent_at', 'is', null).orderBy('id').execute();
    if (rows.length) {
      out.push({ token, recipientId, rows: rows.map((r) => ({ id: r.id, recipientId: r.recipient_id, schoolId: r.school_id, event: r.event, createdAt: Number(r.created_at), attempts: r.attempts, deliveryId: r.delivery_id })) });
    }
  }
  return out;
}

/**
 * The fencing check right before a send: the rows are still this claim's (a holder that stalled past its lease finds
 * another claim's token and must not send), and if so the lease is renewed for the send and the rows pinned to the
 * message's delivery id, in one conditional UPDATE. False: skip the send.
 */
export async function outboxFence(c: Ctx, ids: readonly number[], token: string, o: { now: number; leaseMs: number; deliveryId: string }): Promise<boolean> {
  if (!ids.length) return false;
  const r = await c.db.updateTable('notification_outbox').set({ claimed_until: o.now + o.leaseMs, delivery_id: o.deliveryId })
    .where('id', 'in', [...ids]).where('claimed_by', '=', token).where('sent_at', 'is', null).where('gave_up_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === ids.length;
}

/** Marks leased rows sent (only while the lease is still this claim's). */
export async function outboxSent(c: Ctx, ids: readonly number[], token: string, at: number): Promise<void> {
  if (!ids.length) return;
  await c.db.updateTable('notification_outbox').set({ sent_at: at, last_error: null }).where('id', 'in', [...ids]).where('claimed_by', '=', token).execute();
}

/** Gives leased rows back after a failed send, due again at `dueAt`. */
export async function outboxRetry(c: Ctx, ids: readonly number[], token: string, dueAt: number, error: string): Promise<void> {
  if (!ids.length) return;
  await c.db.updateTable('notification_outbox')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), due_at: dueAt, claimed_by: null, claimed_until: 0, last_error: error.slice(0, 500) }))
    .where('id', 'in', [...ids]).where('claimed_by', '=', token).execute();
}

/** Stops retrying leased rows after their last allowed attempt (alerts.notifyMaxAttempts); they stay, marked, for the record. */
export async function outboxGiveUp(c: Ctx, ids: readonly number[], token: string, at: number, error: string): Promise<void> {
  if (!ids.length) return;
  await c.db.updateTable('notification_outbox')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), gave_up_at: at, claimed_by: null, claimed_until: 0, last_error: error.slice(0, 500) }))
    .where('id', 'in', [...ids]).where('claimed_by', '=', token).execute();
}

/** Rows still to be sent (neither sent nor given up). */
export async function pendingNotifications(c: Ctx): Promise<number> {
  const r = await c.db.selectFrom('notification_outbox').select((eb) => eb.fn.countAll<string>().as('n')).where('sent_at', 'is', null)
    .where('gave_up_at', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function logAttempt(c: Ctx, a: NewAttempt): Promise<void> {
  await c.db.insertInto('notification_attempts').values({
    recipient_id: a.recipientId, at: a.at, kind: a.kind, items: a.items, ok: a.ok ? 1 : 0, status: a.status, error: a.error?.slice(0, 500) ?? null,
    delivery_id: a.deliveryId ?? null, gave_up: a.gaveUp ? 1 : 0,
  }).execute();
}

export async function attempts(c: Ctx, f: { recipientIds?: readonly number[]; limit?: number } = {}): Promise<NotificationAttempt[]> {
  let q = c.db.selectFrom('notification_attempts').selectAll();
  if (f.recipientIds) {
    if (!f.recipientIds.length) return [];
    q = q.where('recipient_id', 'in', [...f.recipientIds]);
  }
  const rows = await q.orderBy('id', 'desc').limit(f.limit ?? 200).execute();
  return rows.map((r) => ({ id: r.id, recipientId: r.recipient_id, at: Number(r.at), kind: r.kind, items: r.items, ok: Boolean(r.ok), status: r.status, error: r.error,
    deliveryId: r.delivery_id, gaveUp: Boolean(r.gave_up) }));
}

/** Takes a school's digest of `day` for this process: false when another process (or an earlier run) has. */
export async function claimDigest(c: Ctx, schoolId: number, day: string, owner: string, at: number): Promise<boolean> {
  const r = await c.db.insertInto('digest_claims').values({ school_id: schoolId, day, claimed_by: owner, claimed_at: at })
    .onConflict((oc) => oc.columns(['school_id', 'day']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export interface DigestAlert { rule: string; severity: string; deviceId: string; deviceName: string; roomName: string; value: number | null; startedAt: number; resolvedAt: number | null }
export interface DigestDevice { deviceId: string; name: string; roomName: string; inServiceDate: string | null; serviceLifeYears: number | null; warrantyEnd: string | null }
export interface DigestData {
  schoolId: number; schoolName: string; districtId: number | null;
  open: DigestAlert[]; fixed: DigestAlert[]; pastServiceLife: DigestDevice[]; warrantyEnding: DigestDevice[];
}

/** What a school's daily digest says: open alerts, alerts resolved since `since`, ageing equipment. */
export async function digestData(c: Ctx, schoolId: number, o: { since: number; today: string; warrantyUntil: string }): Promise<DigestData> {
  const school = await c.db.selectFrom('schools').select(['id', 'name', 'district_id']).where('id', '=', schoolId).executeTakeFirst();
  if (!school) throw notFound(`no school ${schoolId}`);
  const alerts = await c.db.selectFrom('alerts as a').innerJoin('devices as d', 'd.id', 'a.device_id').innerJoin('rooms as r', 'r.id', 'a.room_id')
    .select(['a.rule', 'a.severity', 'a.device_id', 'd.name as device_name', 'r.name as room_name', 'a.value', 'a.started_at', 'a.resolved_at', 'a.state'])
    .where('a.school_id', '=', schoolId)
    .where((eb) => eb.or([eb('a.state', 'in', ['firing', 'acknowledged']), eb.and([eb('a.state', '=', 'resolved'), eb('a.resolved_at', '>=', o.since)])]))
    .orderBy('a.started_at').execute();
  const toAlert = (a: (typeof alerts)[number]): DigestAlert => ({
    rule: a.rule, severity: a.severity, deviceId: a.device_id, deviceName: a.device_name, roomName: a.room_name, value: a.value,
    startedAt: Number(a.started_at), resolvedAt: a.resolved_at === null ? null : Number(a.resolved_at),
  });
  const devices = await c.db.selectFrom('devices as d').innerJoin('rooms as r', 'r.id', 'd.room_id').innerJoin('sites as s', 's.id', 'r.site_id')
    .select(['d.id', 'd.name', 'r.name as room_name', 'd.in_service_date', 'd.service_life_years', 'd.warranty_end'])
    .where('s.school_id', '=', schoolId).where('d.state', '!=', 'retired')
    .where((eb) => eb.or([eb('d.service_life_years', 'is not', null), eb('d.warranty_end', 'is not', null)])).orderBy('d.id').execute();
  const toDevice = (d: (typeof devices)[number]): DigestDevice => ({
    deviceId: d.id, name: d.name, roomName: d.room_name, inServiceDate: d.in_service_date, serviceLifeYears: d.service_life_years, warrantyEnd: d.warranty_end,
  });
  return {
    schoolId, schoolName: school.name, districtId: school.district_id,
    open: alerts.filter((a) => a.state !== 'resolved').map(toAlert),
    fixed: alerts.filter((a) => a.state === 'resolved').map(toAlert),
    pastServiceLife: devices.filter((d) => isPastServiceLife(d.in_service_date, d.service_life_years, o.today)).map(toDevice),
    warrantyEnding: devices.filter((d) => d.warranty_end !== null && d.warranty_end >= o.today && d.warranty_end <= o.warrantyUntil).map(toDevice),
  };
}

/** Schools that have at least one digest recipient (their own, their district's or the province's). */
export async function digestSchools(c: Ctx): Promise<number[]> {
  const rows = await c.db.selectFrom('schools as s').select('s.id').where('s.retired_at', 'is', null)
    .where(({ exists, selectFrom }) => exists(selectFrom('notification_recipients as n').select(sql<number>`1`.as('one'))
      .where('n.removed_at', 'is', null).where('n.digest', '=', 1)
      .where((eb) => eb.or([eb('n.school_id', '=', eb.ref('s.id')), eb.and([eb('n.school_id', 'is', null), eb.or([eb('n.district_id', 'is', null), eb('n.district_id', '=', eb.ref('s.district_id'))])])]))))
    .orderBy('s.id').execute();
  return rows.map((r) => r.id);
}
