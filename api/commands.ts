/** Remote commands to one device (issue 11; docs/commands.md): send, list, cancel. */
import type { CommandOrigin, CommandState } from '../domain/commands.js';

/** One command to one device, as the registry holds it. */
export interface CommandView {
  id: string;
  runId: number | null;
  deviceId: string;
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
}

/** POST /api/devices/:id/commands. `ttlSeconds` (default 600, at most a week): after it, the command is never sent. */
export interface SendCommandInput {
  name: string;
  args?: Record<string, unknown>;
  ttlSeconds?: number;
}

/** GET /api/devices/:id/commands: newest first. */
export interface CommandListQuery { limit?: number }
