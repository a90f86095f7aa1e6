/** Remote commands to one device (issue 11; docs/commands.md): send, list, cancel. */
import type { CommandOrigin, CommandState } from '../domain/commands.js';
import type { DeviceKind } from '../protocol/index.js';

/** One command to one device, as the registry holds it. */
export interface CommandView {
  id: string;
  runId: number | null;
  deviceId: string;
  deviceName: string;
  schoolId: number;
  name: string;
  args: unknown;
  createdAt: number;
  expiresAt: number;
  state: CommandState;
  stateAt: number;
  sentAt: number | null;
  deliveredAt: number | null;
  finishedAt: number | null;
  resultOk: boolean | null;
  resultMessage: string | null;
  cancelledBy: string | null;
  /** How many times it was published (more than one: the device reconnected before its PUBACK). */
  attempts: number;
  origin: CommandOrigin;
  /** A rollout holds it back until then (ms), null: at once. */
  notBefore: number | null;
  /** The edge node of the device's site, null if none: a queued command waits for that edge (docs/edge.md). */
  edgeName: string | null;
}

/** POST /api/devices/:id/commands. `ttlSeconds` (default 600, at most a week): after it, the command is never sent. */
export interface SendCommandInput {
  name: string;
  args?: Record<string, unknown>;
  ttlSeconds?: number;
}

/** GET /api/devices/:id/commands: newest first. */
export interface CommandListQuery { limit?: number }

// ── bulk runs (docs/commands.md, "Bulk runs")

export type CommandTargetType = 'room' | 'site' | 'school' | 'district' | 'kind';
/**
 * What a bulk run or a schedule aims at: a place (`id` its id as a string) or every device of a kind in the user's
 * scope (`type: 'kind'`, `id` the kind). `kind` narrows a place to one kind ("the boards of this school"). Only the
 * devices whose kind knows the command are reached.
 */
export interface CommandTargetInput { type: CommandTargetType; id: string; kind?: DeviceKind | null }

/** POST /api/command-runs/preview: what a run would reach, before it is started. */
export interface RunPreviewInput { target: CommandTargetInput; name: string; args?: Record<string, unknown> }
export interface RunPreview {
  /** Devices the run would command (in the target, in scope, of a kind that knows the command). */
  devices: number;
  byKind: Partial<Record<DeviceKind, number>>;
  /** Of those, how many are connected now (the others get it when they reconnect, within its time to live). */
  online: number;
  /** Devices in the target whose kind has no such command (not reached). */
  skipped: number;
  schools: number;
  /** The command could do harm (restart, power): the run gets a rollout rate and an abort rule by default. */
  harmful: boolean;
  /** Readable name of the target, e.g. "Phòng 10A1 — Trường THPT Chuyên Lào Cai". */
  targetLabel: string;
  /** The defaults the run would get (null: none, all at once / never abort). */
  defaults: { ratePerMin: number | null; abortFailedPct: number | null; ttlSeconds: number };
}

/** POST /api/command-runs. Rate and abort rule default per `RunPreview.defaults`; null turns them off. */
export interface StartRunInput {
  target: CommandTargetInput;
  name: string;
  args?: Record<string, unknown>;
  ttlSeconds?: number;
  /** Devices per minute (AWS IoT Jobs' rollout rate); null: all at once. */
  ratePerMin?: number | null;
  /** Stop the rollout (cancel what is not yet sent) when more than this share of the finished commands failed or expired. */
  abortFailedPct?: number | null;
}

export type RunState = 'running' | 'done' | 'aborted' | 'cancelled';
export type RunProgressView = Record<CommandState, number> & { total: number };

export interface RunView {
  id: number;
  name: string;
  args: unknown;
  target: CommandTargetInput;
  targetLabel: string;
  schoolId: number | null;
  districtId: number | null;
  origin: CommandOrigin;
  /** The schedule that made it, if any. */
  scheduleId: number | null;
  createdAt: number;
  ratePerMin: number | null;
  abortFailedPct: number | null;
  ttlMs: number | null;
  state: RunState;
  endedAt: number | null;
  endedBy: string | null;
  /** Why the abort rule stopped it, e.g. "3 of 10 finished failed (30 % > 20 %)". */
  endReason: string | null;
  progress: RunProgressView;
}

/** GET /api/command-runs/:id: the run and every device's outcome (device order). */
export interface RunDetail extends RunView {
  commands: CommandView[];
  /** Devices that did not answer: expired (never reached, or reached and silent) or still waiting past their time. */
  notAnswered: string[];
}

/** GET /api/command-runs: newest first, in scope. */
export interface RunListQuery { schoolId?: number; limit?: number; state?: RunState }

/** GET /api/schools/:id/commands: the school's command history, newest first. */
export interface SchoolCommandsQuery { limit?: number; before?: number }

// ── schedules (docs/commands.md, "Schedules")

/** A schedule as edited: local times Asia/Ho_Chi_Minh, ISO weekdays (1 = Monday … 7 = Sunday). */
export interface ScheduleInputBody {
  schoolId: number;
  name: string;
  target: CommandTargetInput;
  command: string;
  args?: Record<string, unknown>;
  days: number[];
  /** HH:MM local. */
  at: string;
  /** A range ("locked 21:00 to 06:00"): the second command at `until.at` (the next morning when earlier than `at`). */
  until?: { at: string; command: string; args?: Record<string, unknown> } | null;
  /** Skip the school's holidays and non-teaching days (its timetable, or its level's default). */
  skipHolidays: boolean;
  enabled: boolean;
  ratePerMin?: number | null;
  abortFailedPct?: number | null;
  ttlSeconds?: number | null;
}

export type ScheduleFireState = 'claimed' | 'done' | 'missed' | 'skipped';
export interface ScheduleFireView {
  fireAt: number;
  part: 'at' | 'until';
  state: ScheduleFireState;
  claimedBy: string;
  doneAt: number | null;
  runId: number | null;
  /** Why it was missed or skipped, in Vietnamese, e.g. "ngày nghỉ: Tết Nguyên đán", "EduFleet không chạy lúc 17:30 11/03/2026, quá 15 phút cho phép". */
  note: string | null;
}

export interface ScheduleView {
  id: number;
  schoolId: number;
  name: string;
  target: CommandTargetInput;
  targetLabel: string;
  command: string;
  args: unknown;
  days: number[];
  at: string;
  until: { at: string; command: string; args: unknown } | null;
  skipHolidays: boolean;
  enabled: boolean;
  ratePerMin: number | null;
  abortFailedPct: number | null;
  ttlMs: number | null;
  /** Who answers for it: its creator, or whoever saved it since; it fires on their rights of the day. */
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  lastFireAt: number | null;
  /**
   * False when `createdBy` may no longer command the schedule's school (disabled, another role, another scope): it
   * does not fire (each fire is recorded skipped) until someone who may saves it again, taking it over.
   */
  creatorMayCommand: boolean;
  /** False when its room or site has moved to another school since it was saved: its fires are skipped. */
  targetInSchool: boolean;
  /** The next five fire times (ms), holidays and non-teaching days already left out when `skipHolidays`. */
  nextRuns: ScheduleRunTime[];
}
export interface ScheduleRunTime { at: number; part: 'at' | 'until'; command: string }

/** GET /api/schedules/:id: with its recent fires. */
export interface ScheduleDetail extends ScheduleView { fires: ScheduleFireView[] }

/** POST /api/schedules/preview: the next five runs and the devices reached of a schedule not yet saved. */
export interface SchedulePreview { nextRuns: ScheduleRunTime[]; devices: number }

export interface ScheduleListQuery { schoolId?: number }
