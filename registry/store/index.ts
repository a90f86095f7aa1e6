/**
 * The registry as one async data layer (RegistryStore) on SQLite or PostgreSQL. The methods, parameters and result
 * shapes are those of the old SqliteRegistry, PlaceStore (`store.places`) and UsageStore (`store.usage`), returning
 * Promises; the named queries replace the SQL other layers used to run on the registry's handle.
 */
import { EdufleetError } from '../../lib/errors.js';
import type { AlertListQuery, AlertListResponse, RuleParamsView, SilenceTarget, SilenceView } from '../../api/alerts.js';
import type { CommandState } from '../../domain/commands.js';
import type { DeviceKind } from '../../protocol/index.js';
import type { DeviceSignals, HealthLevel, HealthReason } from '../../domain/index.js';
import type { HealthSummaryQuery } from '../../api/health.js';
import type { TermTimetable } from '../../timetable/model.js';
import type { Device, DeviceFilter, DevicePlacement, DeviceRecordInput, District, ReportSubscription, Role, Room, RoomPlace, RoomType, School, SchoolLevel, Scope, Site, User } from '../types.js';
import type { Ctx } from './context.js';
import * as alerts from './alerts.js';
import * as commands from './commands.js';
import * as runs from './command-runs.js';
import * as schedules from './schedules.js';
import * as alertSettings from './alert-settings.js';
import * as alertViews from './alert-views.js';
import * as devices from './devices.js';
import * as verifiers from './device-verifiers.js';
import { openEngine, type StoreOptions } from './engine.js';
import * as health from './health.js';
import * as healthViews from './health-views.js';
import * as hierarchy from './hierarchy.js';
import * as logs from './logs.js';
import * as notifications from './notifications.js';
import { PlaceEditor } from './places.js';
import { JobStore } from './jobs.js';
import { EdgeStore } from './edges.js';
import { EdgeSliceStore } from './edge-slices.js';
import { ApiTokenStore } from './api-tokens.js';
import { IntegrationAccountStore } from './integration-accounts.js';
import { WallViewStore } from './wall-views.js';
import * as plans from './plans.js';
import { ensurePlaces, type PlacesIds, type PlacesPlan } from './provision.js';
import * as queries from './queries.js';
import { ReportStore } from './report-store.js';
import * as users from './users.js';
import * as sessionUsers from './session-users.js';
import * as rateLimits from './rate-limits.js';
import * as leases from './leases.js';
export * from './public-types.js';

/** What `close()` does on the store a transaction hands out: closing there would close the pool under the transaction. */
const closeInTx = (): Promise<void> => Promise.reject(new EdufleetError('EDUFLEET_ERR_INTERNAL', 'RegistryStore.close() inside a transaction: the transaction ends by itself; close the store it came from afterwards'));

type AuditEntry = { byUser: string; action: string; entity: string; entityId: string; detail: object };

export class RegistryStore {
  /** `places`: one-at-a-time editing of districts, schools, sites and rooms (the old PlaceStore); `apiTokens`: API tokens (api-tokens.ts); `wall`: the operations-centre wall's counts (wall-views.ts). */
  constructor(private readonly c: Ctx, readonly usage: ReportStore, private readonly closeFn: () => Promise<void>, readonly jobs = new JobStore(c), readonly edges = new EdgeStore(c), readonly edgeSlices = new EdgeSliceStore(c), readonly integrations = new IntegrationAccountStore(c), readonly places = new PlaceEditor(c), readonly apiTokens = new ApiTokenStore(c), readonly wall = new WallViewStore(c)) {}

  get dialect(): Ctx['dialect'] { return this.c.dialect; }

  /**
   * Runs `fn` in one transaction of the registry: everything through `tx` commits together or not at all (a throw
   * rolls back). Inside, use `tx` only: the store itself would wait for the connection `tx` holds on SQLite. The
   * report store is not part of it (on SQLite it is another file).
   */
  transaction<T>(fn: (tx: RegistryStore) => Promise<T>): Promise<T> {
    if (this.c.inTx) return fn(this);
    return this.c.db.transaction().execute((trx) => fn(new RegistryStore({ ...this.c, db: trx, inTx: true }, this.usage, closeInTx)));
  }

  close(): Promise<void> { return this.closeFn(); }

  // ── hierarchy
  ensureDistrict(d: { code: string; name: string }): Promise<District> { return hierarchy.ensureDistrict(this.c, d); }
  ensureSchool(s: { code: string; name: string; level: SchoolLevel; districtId: number | null; pupils?: number }): Promise<School> { return hierarchy.ensureSchool(this.c, s); }
  ensureSite(s: { schoolId: number; name: string }): Promise<Site> { return hierarchy.ensureSite(this.c, s); }
  ensureRoom(r: { siteId: number; code: string; name: string; type: RoomType; capacity?: number }): Promise<Room> { return hierarchy.ensureRoom(this.c, r); }
  school(code: string): Promise<School | undefined> { return hierarchy.school(this.c, code); }
  room(id: number): Promise<Room | undefined> { return hierarchy.room(this.c, id); }
  roomPlaces(roomIds: Iterable<number>): Promise<Map<number, RoomPlace>> { return hierarchy.roomPlaces(this.c, roomIds); }
  districts(): Promise<District[]> { return hierarchy.districts(this.c); }
  schools(scope?: Scope): Promise<School[]> { return hierarchy.schools(this.c, scope); }
  rooms(scope?: Scope): Promise<(Room & { schoolId: number })[]> { return hierarchy.rooms(this.c, scope); }
  /** A whole province's places in one transaction (simulator, seeds, benchmarks). */
  ensurePlaces(plan: PlacesPlan): Promise<PlacesIds> { return ensurePlaces(this.c, plan); }

  // ── devices
  addDevice(d: devices.NewDevice): Promise<{ device: Device; secret?: string }> { return devices.addDevice(this.c, d); }
  /** Many devices in one transaction, batched (provisioning a province, seeding a benchmark). */
  addDevices(list: devices.NewDevice[]): Promise<{ device: Device; secret?: string }[]> { return devices.addDevices(this.c, list); }
  updateDevice(id: string, patch: DeviceRecordInput & { roomId?: number }): Promise<Device> { return devices.updateDevice(this.c, id, patch); }
  device(id: string): Promise<Device | undefined> { return devices.device(this.c, id); }
  deviceByCode(code: string): Promise<Device | undefined> { return devices.deviceByCode(this.c, code); }
  rotateSecret(id: string): Promise<string> { return devices.rotateSecret(this.c, id); }
  retireDevice(id: string): Promise<Device> { return devices.retireDevice(this.c, id); }
  revokeDevice(id: string): Promise<void> { return devices.revokeDevice(this.c, id); }
  secretHashes(ids: readonly string[]): Promise<Map<string, devices.StoredSecret>> { return devices.secretHashes(this.c, ids); }
  /** Fast verifiers of secrets that passed scrypt (docs/security.md): loaded by a starting broker, written after a login. */
  secretVerifiers(): Promise<verifiers.SecretVerifier[]> { return verifiers.secretVerifiers(this.c); }
  storeSecretVerifiers(list: readonly verifiers.SecretVerifier[]): Promise<void> { return verifiers.storeSecretVerifiers(this.c, list); }
  listDevices(f: DeviceFilter = {}): Promise<{ total: number; devices: Device[] }> { return devices.listDevices(this.c, f); }
  placementsSince(rev: number): Promise<{ rev: number; placements: DevicePlacement[] }> { return devices.placementsSince(this.c, rev); }

  // ── maintenance and audit
  addMaintenance(deviceId: string, byUser: string, text: string, at?: number): Promise<void> { return logs.addMaintenance(this.c, deviceId, byUser, text, at); }
  maintenance(deviceId: string): Promise<{ at: number; byUser: string; text: string }[]> { return logs.maintenance(this.c, deviceId); }
  audit(byUser: string, action: string, entity: string, entityId: string | number, detail: object = {}): Promise<void> { return logs.audit(this.c, byUser, action, entity, entityId, detail); }
  auditLog(f: logs.AuditFilter = {}): Promise<{ total: number; entries: logs.AuditRow[] }> { return logs.auditLog(this.c, f); }

  // ── timetables and report subscriptions
  timetables(schoolId: number): Promise<TermTimetable[]> { return plans.timetables(this.c, schoolId); }
  allTimetables(): Promise<Map<number, TermTimetable[]>> { return plans.allTimetables(this.c); }
  setTimetables(schoolId: number, terms: TermTimetable[]): Promise<void> { return plans.setTimetables(this.c, schoolId, terms); }
  /** Many schools' timetables in one transaction: each school's terms become `merge(its current terms)`. */
  mergeTimetables(merges: Map<number, (existing: TermTimetable[]) => TermTimetable[]>, audit?: AuditEntry): Promise<void> { return plans.mergeTimetables(this.c, merges, audit); }
  subscriptions(): Promise<ReportSubscription[]> { return plans.subscriptions(this.c); }
  addSubscription(s: { email: string; districtId: number | null; createdBy: string }): Promise<ReportSubscription> { return plans.addSubscription(this.c, s); }
  removeSubscription(id: number): Promise<void> { return plans.removeSubscription(this.c, id); }
  markSent(id: number, month: string): Promise<void> { return plans.markSent(this.c, id, month); }
  /** Takes the report of `month` for this process only (false: another sent or sends it); `lease`: see plans.ts. */
  claimReport(id: number, month: string, lease?: { now: number; leaseMs: number }): Promise<boolean> { return plans.claimReport(this.c, id, month, lease); }
  /** Extends the lease of a report being sent; false when it is not this claim's any more. */
  renewReport(id: number, month: string, until: number): Promise<boolean> { return plans.renewReport(this.c, id, month, until); }
  /** Ends the lease of a report that went out. */
  reportSent(id: number, month: string): Promise<void> { return plans.reportSent(this.c, id, month); }
  /** Gives back a claim whose send failed, restoring `previous` (the subscription's lastSent before the claim). */
  releaseReport(id: number, month: string, previous: string | null): Promise<void> { return plans.releaseReport(this.c, id, month, previous); }

  // ── users and sessions
  addUser(u: { username: string; password: string; role: Role; scope?: Scope; displayName?: string }): Promise<User> { return users.addUser(this.c, u); }
  users(): Promise<User[]> { return users.users(this.c); }
  updateUser(id: number, patch: { displayName?: string; role?: Role; scope?: Scope; password?: string; disabled?: boolean }): Promise<User> { return users.updateUser(this.c, id, patch); }
  setPassword(username: string, password: string): Promise<void> { return users.setPassword(this.c, username, password); }
  userByName(username: string): Promise<User | undefined> { return users.userByName(this.c, username); }
  user(id: number): Promise<User | undefined> { return users.user(this.c, id); }
  verifyUser(username: string, password: string): Promise<User | undefined> { return users.verifyUser(this.c, username, password); }
  sessionGet(sid: string): Promise<string | undefined> { return users.sessionGet(this.c, sid); }
  sessionSet(sid: string, data: string, expiresAt: number): Promise<void> { return users.sessionSet(this.c, sid, data, expiresAt); }
  sessionDestroy(sid: string): Promise<void> { return users.sessionDestroy(this.c, sid); }
  sessionPurge(now?: number): Promise<number> { return users.sessionPurge(this.c, now); }
  sessionCount(): Promise<number> { return users.sessionCount(this.c); }
  /** A session's user with the stamp of its current password (dashboard/server/auth.ts). */
  sessionUser(id: number): Promise<sessionUsers.SessionUser | undefined> { return sessionUsers.sessionUser(this.c, id); }
  /** Counts a hit on a shared fixed-window rate limit (login attempts); the window's count and start. */
  hitRateLimit(key: string, now: number, windowMs: number): Promise<rateLimits.RateHit> { return rateLimits.hitRateLimit(this.c, key, now, windowMs); }
  peekRateLimit(key: string, now: number, windowMs: number): Promise<rateLimits.RateHit> { return rateLimits.peekRateLimit(this.c, key, now, windowMs); }
  purgeRateLimits(before: number): Promise<number> { return rateLimits.purgeRateLimits(this.c, before); }

  // ── device health (the shared live state; docs/alerts.md)
  /** Writes what gateways observed of many devices; the latest write of a device wins. */
  recordSignals(rows: { deviceId: string; signals: DeviceSignals }[], at: number): Promise<void> { return health.recordSignals(this.c, rows, at); }
  /** Writes the alert engine's health verdicts. */
  recordVerdicts(rows: { deviceId: string; level: HealthLevel; reasons: HealthReason[] }[], at: number): Promise<void> { return health.recordVerdicts(this.c, rows, at); }
  /** Health rows of the given devices, or of those whose signals changed after `updatedAfter`; all when neither is set. */
  healthRows(f: { deviceIds?: readonly string[]; updatedAfter?: number } = {}): Promise<health.HealthRow[]> { return health.healthRows(this.c, f); }

  // ── alert notifications (docs/alerts.md, "Notifications")
  addRecipient(r: Omit<notifications.NotificationRecipient, 'id' | 'createdAt'>, at: number): Promise<notifications.NotificationRecipient> { return notifications.addRecipient(this.c, r, at); }
  recipients(): Promise<notifications.NotificationRecipient[]> { return notifications.recipients(this.c); }
  recipient(id: number): Promise<notifications.NotificationRecipient | undefined> { return notifications.recipient(this.c, id); }
  removeRecipient(id: number, at: number): Promise<void> { return notifications.removeRecipient(this.c, id, at); }
  setRecipientSecret(id: number, secret: string): Promise<boolean> { return notifications.setRecipientSecret(this.c, id, secret); }
  /** The recipients of a school's alerts: its own, its district's and the province's. */
  recipientsFor(place: { schoolId: number; districtId: number | null }): Promise<notifications.NotificationRecipient[]> { return notifications.recipientsFor(this.c, place); }
  enqueueNotifications(rows: { recipientId: number; schoolId: number; event: string; at: number; dueAt: number }[]): Promise<void> { return notifications.enqueue(this.c, rows); }
  /** Leases due outbox rows, grouped per recipient (see notifications.ts). */
  claimOutbox(o: { owner: string; now: number; leaseMs: number; recipients?: number }): Promise<{ token: string; recipientId: number; rows: notifications.OutboxRow[] }[]> { return notifications.claimOutbox(this.c, o); }
  /** The fencing check before each send (see notifications.ts). */
  outboxFence(ids: readonly number[], token: string, o: { now: number; leaseMs: number; deliveryId: string }): Promise<boolean> { return notifications.outboxFence(this.c, ids, token, o); }
  outboxSent(ids: readonly number[], token: string, at: number): Promise<void> { return notifications.outboxSent(this.c, ids, token, at); }
  outboxGiveUp(ids: readonly number[], token: string, at: number, error: string): Promise<void> { return notifications.outboxGiveUp(this.c, ids, token, at, error); }
  outboxRetry(ids: readonly number[], token: string, dueAt: number, error: string): Promise<void> { return notifications.outboxRetry(this.c, ids, token, dueAt, error); }
  pendingNotifications(): Promise<number> { return notifications.pendingNotifications(this.c); }
  logNotificationAttempt(a: notifications.NewAttempt): Promise<void> { return notifications.logAttempt(this.c, a); }
  notificationAttempts(f: { recipientIds?: readonly number[]; limit?: number } = {}): Promise<notifications.NotificationAttempt[]> { return notifications.attempts(this.c, f); }
  /** Takes a school's digest of a local day for this process (false: already taken). */
  claimDigest(schoolId: number, day: string, owner: string, at: number): Promise<boolean> { return notifications.claimDigest(this.c, schoolId, day, owner, at); }
  digestData(schoolId: number, o: { since: number; today: string; warrantyUntil: string }): Promise<notifications.DigestData> { return notifications.digestData(this.c, schoolId, o); }
  digestSchools(): Promise<number[]> { return notifications.digestSchools(this.c); }

  // ── the alert engine's transitions (docs/alerts.md): conditional, so of several processes one changes a row
  /** Open (pending, firing, acknowledged) alerts of the given devices, or all. */
  openAlerts(deviceIds?: readonly string[]): Promise<alerts.AlertRow[]> { return alerts.openAlerts(this.c, deviceIds); }
  /** Opens an alert unless one is open for its (rule, device); its id, or undefined when another process won. */
  openAlert(a: alerts.NewAlert, at: number): Promise<number | undefined> { return alerts.openAlert(this.c, a, at); }
  /** Applies a transition if the alert is still in the state it was read in; true when this call changed it. */
  transitionAlert(t: alerts.AlertTransition, at: number): Promise<boolean> { return alerts.transitionAlert(this.c, t, at); }
  /** Deletes a pending alert (and its history) whose condition stopped before it fired; true when this call did. */
  dropPendingAlert(id: number, at: number): Promise<boolean> { return alerts.dropPendingAlert(this.c, id, at); }
  /** Silences in force at `at`: not ended by a person, `until` still ahead (the engine mutes what they cover). */
  activeSilences(at: number): Promise<alertSettings.ActiveSilence[]> { return alertSettings.activeSilences(this.c, at); }

  // ── the alert inbox, silences and rule overrides (people's side; the engine's transitions are in alerts.ts)
  listAlerts(q: AlertListQuery, scope: Scope | undefined, now: number): Promise<AlertListResponse> { return alertViews.listAlerts(this.c, q, scope, now); }
  alertRecord(id: number, now: number): Promise<alertViews.AlertRecord | undefined> { return alertViews.alertRecord(this.c, id, now); }
  alertDetail(id: number, now: number): ReturnType<typeof alertViews.alertDetail> { return alertViews.alertDetail(this.c, id, now); }
  /** Alerts whose updated_at is after `after`, oldest change first (the live push). */
  alertsChangedSince(after: number, now: number, max?: number): Promise<alertViews.AlertRecord[]> { return alertViews.alertsChangedSince(this.c, after, now, max); }
  /** Pending or firing → acknowledged, conditionally; undefined when the alert was in neither state. */
  acknowledgeAlert(id: number, a: { byUser: string; comment: string | null; at: number }): Promise<alertViews.AlertChange | undefined> { return alertViews.acknowledgeAlert(this.c, id, a); }
  /** Any open state → resolved by a person; undefined when it was already resolved. */
  resolveAlert(id: number, a: { byUser: string; reason: string; at: number }): Promise<alertViews.AlertChange | undefined> { return alertViews.resolveAlert(this.c, id, a); }
  silenceTarget(type: SilenceTarget, id: string): Promise<alertSettings.SilenceTargetPlace | undefined> { return alertSettings.silenceTarget(this.c, type, id); }
  createSilence(s: { targetType: SilenceTarget; targetId: string; until: number; reason: string; byUser: string; at: number }): ReturnType<typeof alertSettings.createSilence> { return alertSettings.createSilence(this.c, s); }
  silence(id: number): ReturnType<typeof alertSettings.silence> { return alertSettings.silence(this.c, id); }
  listSilences(scope: Scope | undefined, now: number, recentMs?: number): Promise<SilenceView[]> { return alertSettings.listSilences(this.c, scope, now, recentMs); }
  endSilence(id: number, byUser: string, at: number): ReturnType<typeof alertSettings.endSilence> { return alertSettings.endSilence(this.c, id, byUser, at); }
  alertRuleOverrides(): Promise<alertSettings.StoredOverride[]> { return alertSettings.alertRuleOverrides(this.c); }
  ruleOverride(id: number): Promise<alertSettings.StoredOverride | undefined> { return alertSettings.ruleOverride(this.c, id); }
  upsertRuleOverride(rule: string, o: { kind: string; schoolId: number; roomType: string; params: Partial<RuleParamsView>; byUser: string; at: number }): Promise<alertSettings.StoredOverride> { return alertSettings.upsertRuleOverride(this.c, rule, o); }
  deleteRuleOverride(id: number): Promise<void> { return alertSettings.deleteRuleOverride(this.c, id); }

  // ── remote commands, bulk runs and schedules (docs/commands.md, "Storage"); transitions say whether this call made them
  /** Stores commands for many devices in one transaction; their ids in the order given. */
  enqueueCommands(rows: readonly commands.NewCommand[]): Promise<string[]> { return commands.enqueueCommands(this.c, rows); }
  /** queued → sent; false when it was not queued (or has expired). */
  markCommandSent(id: string, at: number): Promise<boolean> { return commands.markCommandSent(this.c, id, at); }
  /** A sent command published again after a reconnect: one more attempt. */
  markCommandResent(id: string, at: number): Promise<boolean> { return commands.markCommandResent(this.c, id, at); }
  /** sent → delivered (the PUBACK). */
  markCommandDelivered(id: string, at: number): Promise<boolean> { return commands.markCommandDelivered(this.c, id, at); }
  /** sent | delivered → succeeded | failed (the device's result); false in a final state. */
  finishCommand(id: string, ok: boolean, message: string | null, at: number): Promise<boolean> { return commands.finishCommand(this.c, id, ok, message, at); }
  /** Expires queued or sent commands whose time ran out by `now`; the ids this call expired. */
  expireCommands(now: number): Promise<string[]> { return commands.expireCommands(this.c, now); }
  /** Cancels a queued, or sent but undelivered, command; false otherwise. */
  cancelCommand(id: string, byUser: string, at: number): Promise<boolean> { return commands.cancelCommand(this.c, id, byUser, at); }
  /** A device's queued or sent, unexpired commands, oldest first (to publish when it connects). */
  pendingCommands(deviceId: string, now: number): Promise<commands.CommandRecord[]> { return commands.pendingFor(this.c, deviceId, now); }
  /** Devices with a queued, unexpired command. */
  devicesWithQueuedCommands(now: number, limit?: number): Promise<string[]> { return commands.devicesWithQueued(this.c, now, limit); }
  devicesWithPendingCommands(ids: readonly string[], now: number): Promise<string[]> { return commands.devicesWithPending(this.c, ids, now); }
  command(id: string, scope?: Scope): Promise<commands.CommandRecord | undefined> { return commands.command(this.c, id, scope); }
  commandsOfDevice(deviceId: string, o?: { limit?: number; scope?: Scope }): Promise<commands.CommandRecord[]> { return commands.commandsOfDevice(this.c, deviceId, o); }
  commandsOfRun(runId: number, o?: { state?: CommandState; scope?: Scope }): Promise<commands.CommandRecord[]> { return commands.commandsOfRun(this.c, runId, o); }
  runProgress(runId: number): Promise<commands.RunProgress> { return commands.runProgress(this.c, runId); }
  /** A school's commands, newest first (its history). */
  commandsOfSchool(schoolId: number, o?: { limit?: number; before?: number; scope?: Scope }): Promise<commands.CommandRecord[]> { return commands.commandsOfSchool(this.c, schoolId, o); }
  /** Commands whose state changed at or after `since`, oldest change first (the live push's poll). */
  commandsChangedSince(since: number, limit?: number): Promise<commands.CommandRecord[]> { return commands.commandsChangedSince(this.c, since, limit); }
  /** The devices a bulk run or schedule reaches, within a scope, of the kinds that know its command. */
  targetDevices(target: commands.CommandTarget, o?: { scope?: Scope; kinds?: readonly DeviceKind[] }): Promise<commands.TargetDevice[]> { return commands.targetDevices(this.c, target, o); }
  createRun(r: runs.NewRun): Promise<number> { return runs.createRun(this.c, r); }
  commandRun(id: number, scope?: Scope): Promise<runs.RunRecord | undefined> { return runs.run(this.c, id, scope); }
  listRuns(o?: { scope?: Scope; limit?: number; state?: runs.RunState; schoolId?: number; startedBy?: string }): Promise<runs.RunRecord[]> { return runs.listRuns(this.c, o); }
  /** running → done. */
  finishRun(id: number, at: number): Promise<boolean> { return runs.finishRun(this.c, id, at); }
  /** running → aborted (the abort rule); its queued commands are cancelled with it. */
  abortRun(id: number, reason: string, at: number): Promise<boolean> { return runs.endRun(this.c, id, { state: 'aborted', by: 'abort', reason, at }); }
  /** running → cancelled by a person; its queued and undelivered commands with it. */
  cancelRun(id: number, byUser: string, at: number): Promise<boolean> { return runs.endRun(this.c, id, { state: 'cancelled', by: byUser, reason: null, at }); }
  createSchedule(s: schedules.ScheduleInput, byUser: string, at: number): Promise<schedules.ScheduleRecord> { return schedules.createSchedule(this.c, s, byUser, at); }
  schedule(id: number, scope?: Scope): Promise<schedules.ScheduleRecord | undefined> { return schedules.schedule(this.c, id, scope); }
  listSchedules(o?: { scope?: Scope; schoolId?: number; enabledOnly?: boolean }): Promise<schedules.ScheduleRecord[]> { return schedules.listSchedules(this.c, o); }
  updateSchedule(id: number, s: schedules.ScheduleInput, at: number, byUser?: string): Promise<schedules.ScheduleRecord> { return schedules.updateSchedule(this.c, id, s, at, byUser); }
  deleteSchedule(id: number, at: number): Promise<void> { return schedules.deleteSchedule(this.c, id, at); }
  /** Takes a schedule's fire at `fireAt` for `owner`: true for exactly one caller across processes. */
  claimFire(f: Parameters<typeof schedules.claimFire>[1]): Promise<boolean> { return schedules.claimFire(this.c, f); }
  /** Takes over a fire claimed before `staleBefore` by a process that never ended it (it died): true for one caller. */
  reclaimFire(f: Parameters<typeof schedules.reclaimFire>[1]): Promise<boolean> { return schedules.reclaimFire(this.c, f); }
  /** Records how a claimed fire ended (done with its run, or missed); only its owner can. */
  markFire(f: Parameters<typeof schedules.markFire>[1]): Promise<boolean> { return schedules.markFire(this.c, f); }
  scheduleFires(scheduleId: number, limit?: number): Promise<schedules.FireRecord[]> { return schedules.fires(this.c, scheduleId, limit); }

  // ── the background jobs' leases (leases.ts): take or renew (true while `owner` holds it), give back, list them
  holdLease(name: string, owner: string, now: number, ttlMs: number): Promise<boolean> { return leases.holdLease(this.c, name, owner, now, ttlMs); }
  releaseLease(name: string, owner: string, now: number): Promise<void> { return leases.releaseLease(this.c, name, owner, now); }
  leases(): Promise<leases.LeaseRow[]> { return leases.leases(this.c); }

  // ── the health screens (docs/alerts.md)
  /** The health screens' device list: in scope, worst first (or in place order), paged (docs/alerts.md). */
  healthViews(f: healthViews.HealthViewFilter, page?: { limit?: number; offset?: number }): ReturnType<typeof healthViews.healthViews> { return healthViews.healthViews(this.c, f, page); }
  /** Devices whose signals or verdict were written after `after`, with `stamp`, the later of both times (the live push). */
  changedHealthViews(after: number, scope?: Scope): ReturnType<typeof healthViews.changedHealthViews> { return healthViews.changedHealthViews(this.c, after, scope); }
  /** The latest time any device's signals or verdict were written. */
  healthStamp(): Promise<number> { return healthViews.healthStamp(this.c); }
  /** Rollups per district, school, site or room under a parent, worst first. */
  healthSummary(q: HealthSummaryQuery, scope?: Scope): ReturnType<typeof healthViews.healthSummary> { return healthViews.healthSummary(this.c, q, scope); }
  /** A room with every device of it and their health. */
  roomHealth(roomId: number): ReturnType<typeof healthViews.roomHealth> { return healthViews.roomHealth(this.c, roomId); }

  // ── named queries (what other layers used to write SQL for)
  /** Rooms that have devices, with their place (usage/analyser.ts). */
  analysisRooms(): Promise<queries.AnalysisRoom[]> { return queries.analysisRooms(this.c); }
  /** Devices of active rooms in scope with their room's place (usage/facts.ts roomFacts). */
  roomFactRows(scope: Scope | undefined): Promise<queries.RoomFactRow[]> { return queries.roomFactRows(this.c, scope); }
  /** Non-retired devices in scope with repairs since `repairsSince` (usage/facts.ts equipmentAttention). */
  attentionRows(scope: Scope | undefined, repairsSince: number): Promise<queries.AttentionRow[]> { return queries.attentionRows(this.c, scope, repairsSince); }
  /** Schools in scope, each with its non-retired devices (dashboard/server/kpi.ts). */
  kpiRows(scope: Scope | undefined): Promise<queries.KpiRow[]> { return queries.kpiRows(this.c, scope); }
  /** Device records with their place, in export order (registry/export.ts). */
  exportRows(scope: Scope | undefined): Promise<queries.ExportDbRow[]> { return queries.exportRows(this.c, scope); }
  /** Schools, sites, rooms and devices as the equipment import plans against them (registry/import/apply.ts). */
  importSnapshot(): Promise<queries.ImportSnapshotRows> { return queries.importSnapshot(this.c); }
  /** The room with `code` at a site, if any. */
  roomAt(siteId: number, code: string): Promise<{ id: number } | undefined> { return queries.roomAt(this.c, siteId, code); }
}

/** Opens (and migrates) the store: PostgreSQL when `url` is set, else SQLite files in `dataDir`. */
export async function openRegistryStore(o: StoreOptions): Promise<RegistryStore> {
  const e = await openEngine(o);
  return new RegistryStore({ db: e.registry, dialect: e.dialect, inTx: false }, new ReportStore(e.report), e.close);
}
