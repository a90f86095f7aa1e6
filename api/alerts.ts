/** Alerts, silences and rule settings: the technicians' inbox and the rules screen. */
import { Type, type Static } from '@sinclair/typebox';
import { ALERT_STATES, ROOM_TYPES, RULE_IDS, SEVERITIES } from '../domain/index.js';
import { DEVICE_KINDS } from '../protocol/index.js';
import { Id, ID_MAX, lit, Nullable, Obj, oneOf } from './kit.js';

export const RuleIdSchema = lit(RULE_IDS);
export const SeveritySchema = lit(SEVERITIES);
export const AlertStateSchema = lit(ALERT_STATES);

export const AlertView = Obj({
  id: Type.Integer(),
  rule: RuleIdSchema,
  severity: SeveritySchema,
  state: AlertStateSchema,
  deviceId: Type.String(),
  deviceName: Type.String(),
  kind: Type.String(),
  roomId: Type.Integer(),
  roomName: Type.String(),
  schoolId: Type.Integer(),
  schoolName: Type.String(),
  value: Nullable(Type.Number(), { description: 'The value that broke the rule, when the rule has one.' }),
  field: Nullable(Type.String(), { description: 'Which field broke the rule, when the rule has one.' }),
  startedAt: Type.Number({ description: 'When the condition first held (pending since).' }),
  firedAt: Nullable(Type.Number()),
  ackedAt: Nullable(Type.Number()),
  ackedBy: Nullable(Type.String()),
  ackComment: Nullable(Type.String()),
  resolvedAt: Nullable(Type.Number()),
  resolvedBy: Nullable(Type.String(), { description: 'null when it resolved by itself.' }),
  resolveReason: Nullable(Type.String()),
  lastNotifiedAt: Nullable(Type.Number()),
  silenced: Type.Boolean({ description: 'A silence covers the device, its room or its school now.' }),
  updatedAt: Type.Number(),
});
export type AlertView = Static<typeof AlertView>;

/** GET /api/alerts. `state=open` (default): pending, firing and acknowledged. Worst and oldest first. */
export const AlertListQuery = Obj({
  state: Type.Optional(lit([...ALERT_STATES, 'open', 'all'])),
  severity: Type.Optional(SeveritySchema),
  rule: Type.Optional(RuleIdSchema),
  districtId: Type.Optional(Id),
  schoolId: Type.Optional(Id),
  roomId: Type.Optional(Id),
  deviceId: Type.Optional(Type.String({ maxLength: 128 })),
  kind: Type.Optional(oneOf(DEVICE_KINDS)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type AlertListQuery = Static<typeof AlertListQuery>;
export const AlertListResponse = Obj({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), alerts: Type.Array(AlertView) });
export type AlertListResponse = Static<typeof AlertListResponse>;

export const AlertHistoryEntry = Obj({
  at: Type.Number(), state: lit([...ALERT_STATES, 'renotified', 'silenced']), byUser: Nullable(Type.String()), comment: Nullable(Type.String()),
});
export type AlertHistoryEntry = Static<typeof AlertHistoryEntry>;
export const AlertDetail = Obj({ alert: AlertView, history: Type.Array(AlertHistoryEntry) });
export type AlertDetail = Static<typeof AlertDetail>;

const Comment = Type.String({ maxLength: 1000 });
export const AckInput = Obj({ comment: Type.Optional(Comment) });
export type AckInput = Static<typeof AckInput>;
/** POST /api/alerts/ack: many at once (bulk acknowledge from the inbox). */
export const BulkAckInput = Obj({ ids: Type.Array(Id, { minItems: 1, maxItems: 1000 }), comment: Type.Optional(Comment) });
export type BulkAckInput = Static<typeof BulkAckInput>;
export const BulkAckResponse = Obj({ acknowledged: Type.Array(Type.Integer()), skipped: Type.Array(Type.Integer()) });
export type BulkAckResponse = Static<typeof BulkAckResponse>;
export const ResolveInput = Obj({ reason: Type.String({ minLength: 1, maxLength: 1000 }) });
export type ResolveInput = Static<typeof ResolveInput>;

export const SilenceTarget = lit(['device', 'room', 'school']);
export type SilenceTarget = Static<typeof SilenceTarget>;
export const SilenceInput = Obj({
  targetType: SilenceTarget, targetId: Type.String({ minLength: 1, maxLength: 128 }),
  until: Type.Integer({ minimum: 0 }), reason: Type.String({ minLength: 1, maxLength: 1000 }),
});
export type SilenceInput = Static<typeof SilenceInput>;
export const SilenceView = Obj({
  id: Type.Integer(),
  targetType: SilenceTarget,
  targetId: Type.String(),
  targetName: Type.String({ description: 'The device\'s, room\'s or school\'s name.' }),
  schoolId: Type.Integer(),
  until: Type.Number(),
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.Number(),
  endedAt: Nullable(Type.Number()),
  endedBy: Nullable(Type.String()),
});
export type SilenceView = Static<typeof SilenceView>;
export const SilenceList = Type.Array(SilenceView);

/** A rule's parameters as the rules screen shows and edits them (the one definition: domain/health.ts RuleParams). */
const ruleParamFields = {
  enabled: Type.Boolean(),
  severity: SeveritySchema,
  threshold: Type.Number({ description: 'Fires beyond this value (°C, %, ppm, minutes, a count, dBm …; what it measures is the rule\'s `unit`).' }),
  clearAt: Type.Number({ description: 'Clears only back beyond this value (hysteresis); equal to `threshold` for none.' }),
  forMin: Type.Number({ description: 'The condition must hold this long before the alert fires (0: at once).' }),
  windowMin: Type.Number({ description: 'For counted rules: the window the count is taken over.' }),
  holdOffMin: Type.Number({ description: 'The condition must stay clear this long before the alert resolves by itself.' }),
  renotifyMin: Type.Number({ description: 'A firing alert nobody acknowledged is notified again after this long (0: never).' }),
};
/** A rule's parameters as the server has them (a default may be below 0: weak_wifi's threshold is in dBm). */
export const RuleParamsView = Obj(ruleParamFields);
export type RuleParamsView = Static<typeof RuleParamsView>;
const PartialParams = Type.Partial(RuleParamsView, { additionalProperties: false });
/** An override's parameters as an edit sends them: the numbers 0 or more (the server's check since issue 10). */
const min0 = { minimum: 0 };
const ParamsInput = Obj({
  enabled: Type.Optional(Type.Boolean()), severity: Type.Optional(SeveritySchema),
  threshold: Type.Optional(Type.Number(min0)), clearAt: Type.Optional(Type.Number(min0)), forMin: Type.Optional(Type.Number(min0)),
  windowMin: Type.Optional(Type.Number(min0)), holdOffMin: Type.Optional(Type.Number(min0)), renotifyMin: Type.Optional(Type.Number(min0)),
});
export const RuleOverrideView = Obj({
  id: Type.Integer(), kind: Type.String(), schoolId: Type.Integer(), roomType: Type.String(), params: PartialParams, updatedBy: Type.String(), updatedAt: Type.Number(),
});
export type RuleOverrideView = Static<typeof RuleOverrideView>;
export const AlertRuleView = Obj({
  id: RuleIdSchema, kinds: Type.Array(Type.String()), unit: Type.String(), direction: lit(['above', 'below']), defaults: RuleParamsView, overrides: Type.Array(RuleOverrideView),
});
export type AlertRuleView = Static<typeof AlertRuleView>;
export const AlertRuleList = Type.Array(AlertRuleView);
/** PUT /api/alert-rules/:rule/overrides: one override ('' / 0 for "any"); admins for the province, technicians for their schools. */
export const RuleOverrideInput = Obj({
  kind: Type.Optional(oneOf(['', ...DEVICE_KINDS], { description: 'A device kind, or \'\' for any.' })),
  schoolId: Type.Optional(Type.Integer({ minimum: 0, maximum: ID_MAX })),
  roomType: Type.Optional(oneOf(['', ...ROOM_TYPES], { description: 'A room type, or \'\' for any.' })),
  params: ParamsInput,
});
export type RuleOverrideInput = Static<typeof RuleOverrideInput>;
/** PUT /api/alert-rules/:rule/overrides: the rule's id (checked against the rules by the handler, which says which exist). */
export const AlertRuleParams = Obj({ rule: Type.String({ maxLength: 64 }) });

/** Socket.IO: the alerts of one school that changed (opened, fired, acknowledged, resolved), coalesced per tick. */
export type AlertsBatch = AlertView[];
