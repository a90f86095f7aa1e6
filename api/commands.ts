/** Remote commands to one device (issue 11; docs/commands.md): send, list, cancel; bulk runs and schedules. */
import { Type, type Static } from '@sinclair/typebox';
import { COMMAND_STATES } from '../domain/commands.js';
import { DEVICE_KINDS } from '../protocol/index.js';
import { HHMM, Id, keyed, lit, Nullable, Obj } from './kit.js';

const CommandState = lit(COMMAND_STATES);
/** Who asked for a command: a user, or a schedule (domain/commands.ts CommandOrigin). */
const CommandOrigin = Type.Union([
  Obj({ by: Type.Literal('user'), username: Type.String() }),
  Obj({ by: Type.Literal('schedule'), scheduleId: Type.Integer() }),
]);
const Args = Type.Record(Type.String(), Type.Unknown());
const CommandName = Type.String({ minLength: 1, maxLength: 64 });
const MAX_TTL_S = 7 * 24 * 3600;

/** A command's id in a path. */
export const CommandIdParams = Obj({ id: Type.String({ minLength: 1, maxLength: 64 }) });
/** A device's id in the commands' paths (any string: an unknown device answers 404). */
export const CommandDeviceParams = Obj({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** One command to one device, as the registry holds it. */
export const CommandView = Obj({
  id: Type.String(),
  runId: Nullable(Type.Integer()),
  deviceId: Type.String(),
  deviceName: Type.String(),
  schoolId: Type.Integer(),
  name: Type.String(),
  args: Type.Unknown(),
  createdAt: Type.Number(),
  expiresAt: Type.Number(),
  state: CommandState,
  stateAt: Type.Number(),
  sentAt: Nullable(Type.Number()),
  deliveredAt: Nullable(Type.Number()),
  finishedAt: Nullable(Type.Number()),
  resultOk: Nullable(Type.Boolean()),
  resultMessage: Nullable(Type.String()),
  cancelledBy: Nullable(Type.String()),
  attempts: Type.Integer({ description: 'How many times it was published (more than one: the device reconnected before its PUBACK).' }),
  origin: CommandOrigin,
  notBefore: Nullable(Type.Number(), { description: 'A rollout holds it back until then (ms), null: at once.' }),
  edgeName: Nullable(Type.String(), { description: 'The edge node of the device\'s site, null if none: a queued command waits for that edge (docs/edge.md).' }),
});
export type CommandView = Static<typeof CommandView>;
export const CommandList = Type.Array(CommandView);

/** POST /api/devices/:id/commands. `ttlSeconds` (default 600, at most a week): after it, the command is never sent. */
export const SendCommandInput = Obj({
  name: CommandName,
  args: Type.Optional(Args),
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TTL_S })),
});
export type SendCommandInput = Static<typeof SendCommandInput>;

/** GET /api/devices/:id/commands: newest first. */
export const CommandListQuery = Obj({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) });
export type CommandListQuery = Static<typeof CommandListQuery>;

// ── bulk runs (docs/commands.md, "Bulk runs")

export const COMMAND_TARGET_TYPES = ['room', 'site', 'school', 'district', 'kind'] as const;
export const CommandTargetType = lit(COMMAND_TARGET_TYPES);
export type CommandTargetType = Static<typeof CommandTargetType>;
/**
 * What a bulk run or a schedule aims at: a place (`id` its id as a string) or every device of a kind in the user's
 * scope (`type: 'kind'`, `id` the kind). `kind` narrows a place to one kind ("the boards of this school"). Only the
 * devices whose kind knows the command are reached.
 */
export const CommandTargetInput = Obj({ type: CommandTargetType, id: Type.String({ minLength: 1, maxLength: 64 }), kind: Type.Optional(Nullable(lit(DEVICE_KINDS))) });
export type CommandTargetInput = Static<typeof CommandTargetInput>;

/** POST /api/command-runs/preview: what a run would reach, before it is started. */
export const RunPreviewInput = Obj({ target: CommandTargetInput, name: CommandName, args: Type.Optional(Args) });
export type RunPreviewInput = Static<typeof RunPreviewInput>;
export const RunPreview = Obj({
  devices: Type.Integer({ description: 'Devices the run would command (in the target, in scope, of a kind that knows the command).' }),
  byKind: Type.Partial(Obj(keyed(DEVICE_KINDS, Type.Integer())), { additionalProperties: false }),
  online: Type.Integer({ description: 'Of those, how many are connected now (the others get it when they reconnect, within its time to live).' }),
  skipped: Type.Integer({ description: 'Devices in the target whose kind has no such command (not reached).' }),
  schools: Type.Integer(),
  harmful: Type.Boolean({ description: 'The command could do harm (restart, power): the run gets a rollout rate and an abort rule by default.' }),
  targetLabel: Type.String({ description: 'Readable name of the target, e.g. "Phòng 10A1 — Trường THPT Chuyên Lào Cai".' }),
  defaults: Obj({ ratePerMin: Nullable(Type.Number()), abortFailedPct: Nullable(Type.Number()), ttlSeconds: Type.Number() }, {
    description: 'The defaults the run would get (null: none, all at once / never abort).',
  }),
});
export type RunPreview = Static<typeof RunPreview>;

/** POST /api/command-runs. Rate and abort rule default per `RunPreview.defaults`; null turns them off. */
export const StartRunInput = Obj({
  target: CommandTargetInput,
  name: CommandName,
  args: Type.Optional(Args),
  ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TTL_S })),
  ratePerMin: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 }), { description: 'Devices per minute (AWS IoT Jobs\' rollout rate); null: all at once.' })),
  abortFailedPct: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 100 }), {
    description: 'Stop the rollout (cancel what is not yet sent) when more than this share of the finished commands failed or expired.',
  })),
});
export type StartRunInput = Static<typeof StartRunInput>;

export const RUN_STATES = ['running', 'done', 'aborted', 'cancelled'] as const;
export const RunState = lit(RUN_STATES);
export type RunState = Static<typeof RunState>;
export const RunProgressView = Obj({ ...keyed(COMMAND_STATES, Type.Integer()), total: Type.Integer() });
export type RunProgressView = Static<typeof RunProgressView>;

const runFields = {
  id: Type.Integer(),
  name: Type.String(),
  args: Type.Unknown(),
  target: CommandTargetInput,
  targetLabel: Type.String(),
  schoolId: Nullable(Type.Integer()),
  districtId: Nullable(Type.Integer()),
  origin: CommandOrigin,
  scheduleId: Nullable(Type.Integer(), { description: 'The schedule that made it, if any.' }),
  createdAt: Type.Number(),
  ratePerMin: Nullable(Type.Number()),
  abortFailedPct: Nullable(Type.Number()),
  ttlMs: Nullable(Type.Number()),
  state: RunState,
  endedAt: Nullable(Type.Number()),
  endedBy: Nullable(Type.String()),
  endReason: Nullable(Type.String(), { description: 'Why the abort rule stopped it, e.g. "3 of 10 finished failed (30 % > 20 %)".' }),
  progress: RunProgressView,
};
export const RunView = Obj(runFields);
export type RunView = Static<typeof RunView>;
export const RunList = Type.Array(RunView);

/** GET /api/command-runs/:id: the run and every device's outcome (device order). */
export const RunDetail = Obj({
  ...runFields,
  commands: Type.Array(CommandView),
  notAnswered: Type.Array(Type.String(), { description: 'Devices that did not answer: expired (never reached, or reached and silent) or still waiting past their time.' }),
});
export type RunDetail = Static<typeof RunDetail>;

/** GET /api/command-runs: newest first, in scope. */
export const RunListQuery = Obj({ schoolId: Type.Optional(Id), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), state: Type.Optional(RunState) });
export type RunListQuery = Static<typeof RunListQuery>;

/** GET /api/schools/:id/commands: the school's command history, newest first. */
export const SchoolCommandsQuery = Obj({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), before: Type.Optional(Type.Integer({ minimum: 0 })) });
export type SchoolCommandsQuery = Static<typeof SchoolCommandsQuery>;

// ── schedules (docs/commands.md, "Schedules")

/** A schedule as edited: local times Asia/Ho_Chi_Minh, ISO weekdays (1 = Monday … 7 = Sunday). */
export const ScheduleInputBody = Obj({
  schoolId: Id,
  name: Type.String({ minLength: 1, maxLength: 120 }),
  target: CommandTargetInput,
  command: CommandName,
  args: Type.Optional(Args),
  days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7 }),
  at: Type.String({ pattern: HHMM.pattern, description: 'HH:MM local.' }),
  until: Type.Optional(Nullable(Obj({ at: HHMM, command: CommandName, args: Type.Optional(Args) }), {
    description: 'A range ("locked 21:00 to 06:00"): the second command at `until.at` (the next morning when earlier than `at`).',
  })),
  skipHolidays: Type.Boolean({ description: 'Skip the school\'s holidays and non-teaching days (its timetable, or its level\'s default).' }),
  enabled: Type.Boolean(),
  ratePerMin: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100_000 }))),
  abortFailedPct: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 100 }))),
  ttlSeconds: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: MAX_TTL_S }))),
});
export type ScheduleInputBody = Static<typeof ScheduleInputBody>;

export const ScheduleFireState = lit(['claimed', 'done', 'missed', 'skipped']);
export type ScheduleFireState = Static<typeof ScheduleFireState>;
const Part = lit(['at', 'until']);
export const ScheduleFireView = Obj({
  fireAt: Type.Number(),
  part: Part,
  state: ScheduleFireState,
  claimedBy: Type.String(),
  doneAt: Nullable(Type.Number()),
  runId: Nullable(Type.Integer()),
  note: Nullable(Type.String(), {
    description: 'Why it was missed or skipped, in Vietnamese, e.g. "ngày nghỉ: Tết Nguyên đán", "EduFleet không chạy lúc 17:30 11/03/2026, quá 15 phút cho phép".',
  }),
});
export type ScheduleFireView = Static<typeof ScheduleFireView>;

export const ScheduleRunTime = Obj({ at: Type.Number(), part: Part, command: Type.String() });
export type ScheduleRunTime = Static<typeof ScheduleRunTime>;

const scheduleFields = {
  id: Type.Integer(),
  schoolId: Type.Integer(),
  name: Type.String(),
  target: CommandTargetInput,
  targetLabel: Type.String(),
  command: Type.String(),
  args: Type.Unknown(),
  days: Type.Array(Type.Integer()),
  at: Type.String(),
  until: Nullable(Obj({ at: Type.String(), command: Type.String(), args: Type.Unknown() })),
  skipHolidays: Type.Boolean(),
  enabled: Type.Boolean(),
  ratePerMin: Nullable(Type.Number()),
  abortFailedPct: Nullable(Type.Number()),
  ttlMs: Nullable(Type.Number()),
  createdBy: Type.String({ description: 'Who answers for it: its creator, or whoever saved it since; it fires on their rights of the day.' }),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  lastFireAt: Nullable(Type.Number()),
  creatorMayCommand: Type.Boolean({
    description: 'False when `createdBy` may no longer command the schedule\'s school (disabled, another role, another scope): it does not fire (each fire is recorded skipped) until someone who may saves it again, taking it over.',
  }),
  targetInSchool: Type.Boolean({ description: 'False when its room or site has moved to another school since it was saved: its fires are skipped.' }),
  nextRuns: Type.Array(ScheduleRunTime, { description: 'The next five fire times (ms), holidays and non-teaching days already left out when `skipHolidays`.' }),
};
export const ScheduleView = Obj(scheduleFields);
export type ScheduleView = Static<typeof ScheduleView>;
export const ScheduleList = Type.Array(ScheduleView);

/** GET /api/schedules/:id: with its recent fires. */
export const ScheduleDetail = Obj({ ...scheduleFields, fires: Type.Array(ScheduleFireView) });
export type ScheduleDetail = Static<typeof ScheduleDetail>;

/** POST /api/schedules/preview: the next five runs and the devices reached of a schedule not yet saved. */
export const SchedulePreview = Obj({ nextRuns: Type.Array(ScheduleRunTime), devices: Type.Integer() });
export type SchedulePreview = Static<typeof SchedulePreview>;

export const ScheduleListQuery = Obj({ schoolId: Type.Optional(Id) });
export type ScheduleListQuery = Static<typeof ScheduleListQuery>;
