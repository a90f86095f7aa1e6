import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { isDeviceKind, type DeviceKind } from '../kinds/index.js';
import { CommandPayload } from '../messages.js';
import type { ValidationResult } from '../validate.js';
import { COMMANDS } from './catalog.js';
import type { CommandDefinition } from './define.js';

/** A command as a device may act on it: a known name of its kind, with valid arguments (`{}` when none were sent). */
export interface ParsedCommand {
  name: string;
  args: Record<string, unknown>;
  expiresAt?: number;
  definition: CommandDefinition;
}

/** The commands of a kind (none for a kind the protocol does not know). */
export function commandsOf(kind: string): readonly CommandDefinition[] {
  return isDeviceKind(kind) ? COMMANDS[kind] : [];
}

export function commandOf(kind: string, name: string): CommandDefinition | undefined {
  return commandsOf(kind).find((c) => c.name === name);
}

const payloadCheck = TypeCompiler.Compile(CommandPayload);
const argChecks = new WeakMap<TSchema, TypeCheck<TSchema>>();

function argCheck(def: CommandDefinition): TypeCheck<TSchema> {
  let c = argChecks.get(def.args);
  if (!c) argChecks.set(def.args, (c = TypeCompiler.Compile(def.args)));
  return c;
}

function decode(payload: Buffer | string | object): { ok: true; data: unknown } | { ok: false; error: string } {
  if (!Buffer.isBuffer(payload) && typeof payload !== 'string') return { ok: true, data: payload };
  try {
    return { ok: true, data: JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8')) };
  } catch {
    return { ok: false, error: 'payload is not valid JSON' };
  }
}

/**
 * Validates a command for a device of `kind`: the CommandPayload envelope, then the name against the kind's commands,
 * then the arguments against the command's schema. Errors name what is valid so a person can correct the command.
 */
export function parseCommand(kind: DeviceKind | string, payload: Buffer | string | object): ValidationResult<ParsedCommand> {
  const d = decode(payload);
  if (!d.ok) return d;
  if (!isDeviceKind(kind)) return { ok: false, error: `unknown device kind '${kind}'` };
  if (!payloadCheck.Check(d.data)) {
    const e = payloadCheck.Errors(d.data).First();
    return { ok: false, error: e ? `${e.path === '' ? 'command' : e.path.slice(1)}: ${e.message}` : 'invalid command' };
  }
  const p = d.data;
  const def = commandOf(kind, p.name);
  if (!def) return { ok: false, error: `unknown command '${p.name}' for a ${kind}; the commands are ${COMMANDS[kind].map((c) => c.name).join(', ')}` };
  const args = p.args ?? {};
  const check = argCheck(def);
  if (!check.Check(args)) {
    const e = check.Errors(args).First();
    const where = e && e.path !== '' ? `args.${e.path.slice(1).replaceAll('/', '.')}` : 'args';
    const known = Object.keys(def.args.properties);
    const key = e?.path.split('/')[1];
    // A misspelt argument: name the ones the command takes.
    const extra = key !== undefined && !known.includes(key) ? ` (${def.name} takes ${known.length ? known.join(', ') : 'no arguments'})` : '';
    return { ok: false, error: `${def.name}: ${where}: ${e?.message ?? 'invalid'}${extra}` };
  }
  const value: ParsedCommand = { name: def.name, args, definition: def };
  if (p.expiresAt !== undefined) value.expiresAt = p.expiresAt;
  return { ok: true, value };
}
