/** The live state of devices: pushed over Socket.IO in batches and merged into REST answers. */
import type { AlertView } from './alerts.js';
import type { CommandView, RunView, SendCommandInput } from './commands.js';
import type { DeviceHealthView } from './health.js';

/** What the dashboard says of a device's connection. `unknown`: never heard of since this gateway started. */
export type DeviceState = 'online' | 'offline' | 'sleep' | 'unknown';
export const DEVICE_STATES: readonly DeviceState[] = ['online', 'sleep', 'offline', 'unknown'];

/** Problems derived from the protocol's health rules (dashboard/server/problems.ts is the one place that decides). */
export type ProblemCode = 'offline' | 'low_battery' | 'overheating' | 'rejected';
export const PROBLEM_CODES: readonly ProblemCode[] = ['offline', 'low_battery', 'overheating', 'rejected'];

/** Filter values of GET /api/devices?state=… : a state, `problem` (any problem but offline) or `any`. */
export type StateFilter = DeviceState | 'problem';

export type FieldValue = number | boolean | string;

/** The live part of a device, as pushed in `devices` batches and merged into REST answers. */
export interface LiveView {
  id: string;
  state: DeviceState;
  lastSeen: number | null;
  lastReadingTs: number | null;
  latest: Record<string, FieldValue>;
  problems: ProblemCode[];
}

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
