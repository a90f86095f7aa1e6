/** The live state of devices: pushed over Socket.IO in batches and merged into REST answers. */
import { Type, type Static } from '@sinclair/typebox';
import type { AlertView } from './alerts.js';
import type { CommandView, RunView, SendCommandInput } from './commands.js';
import { DEVICE_STATES, PROBLEM_CODES } from './constants.js';
import type { DeviceHealthView } from './health.js';
import { lit, Nullable, Obj } from './kit.js';

export { DEVICE_STATES, PROBLEM_CODES } from './constants.js';

/** What the dashboard says of a device's connection. `unknown`: never heard of since this gateway started. */
export const DeviceState = lit(DEVICE_STATES);
export type DeviceState = Static<typeof DeviceState>;

/** Problems derived from the protocol's health rules (dashboard/server/problems.ts is the one place that decides). */
export const ProblemCode = lit(PROBLEM_CODES);
export type ProblemCode = Static<typeof ProblemCode>;

/** Filter values of GET /api/devices?state=… : a state, or `problem` (any problem but offline). */
export const StateFilter = lit([...DEVICE_STATES, 'problem']);
export type StateFilter = Static<typeof StateFilter>;

export const FieldValue = Type.Union([Type.Number(), Type.Boolean(), Type.String()]);
export type FieldValue = Static<typeof FieldValue>;

/** The live part of a device, as pushed in `devices` batches and merged into REST answers. */
export const LiveView = Obj({
  id: Type.String(),
  state: DeviceState,
  lastSeen: Nullable(Type.Number()),
  lastReadingTs: Nullable(Type.Number()),
  latest: Type.Record(Type.String(), FieldValue),
  problems: Type.Array(ProblemCode),
});
export type LiveView = Static<typeof LiveView>;

// Socket.IO's events are functions, not HTTP shapes: they stay TypeScript types (the OpenAPI document covers REST only).

/** Socket.IO events the server sends. */
export interface ServerToClientEvents {
  /** One coalesced batch per school room and tick: every device of that school that changed. */
  devices: (batch: LiveView[]) => void;
  /** Alerts of the socket's schools that changed (opened, fired, acknowledged, resolved), coalesced per tick; only to roles that may read alerts. */
  alerts: (batch: AlertView[]) => void;
  /** Health verdicts of the socket's schools that changed, coalesced per tick. */
  health: (batch: DeviceHealthView[]) => void;
  /** The watched device changed (room `device:<id>`). */
  device: (view: LiveView) => void;
  /** Commands of the socket's schools whose state changed, coalesced per tick (docs/commands.md). */
  commands: (batch: CommandView[]) => void;
  /** A watched run's progress changed (room `run:<id>`). */
  run: (view: RunView) => void;
}

/** The answer of a Socket.IO request: its value, or a coded error as the REST API gives it. */
export type SocketAck<T> = (res: { ok: true; value: T } | { ok?: false; code: string; message: string }) => void;

/** Socket.IO events a browser sends; each is authorised with the user's role and scope as the registry has them now. */
export interface ClientToServerEvents {
  /** Join `device:<id>`; refused out of scope. */
  watch: (deviceId: string, ack: (res: { ok: true } | { code: string; message: string }) => void) => void;
  unwatch: (deviceId: string) => void;
  /** Join `run:<id>` to get its `run` progress; refused out of scope or without commands.send. */
  watchRun: (runId: number, ack: (res: { ok: true } | { code: string; message: string }) => void) => void;
  unwatchRun: (runId: number) => void;
  /** Sends a command to one device, checked exactly as POST /api/devices/:id/commands (one permission table). */
  command: (input: { deviceId: string } & SendCommandInput, ack: SocketAck<CommandView>) => void;
}
