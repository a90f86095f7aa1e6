import { COMMANDS } from '../../../../../protocol/commands/catalog.js';
import type { CommandDefinition } from '../../../../../protocol/commands/define.js';
import type { DeviceKind } from '../../../../../protocol/kinds/index.js';
import type { Lang } from '../../i18n.js';

/**
 * The protocol's command table read for forms: the web app renders each command's TypeBox arguments as inputs, so a
 * command added to protocol/commands/ gets its form without a change here. The catalog is imported directly rather
 * than through protocol/commands/index.ts, whose validators the browser does not need.
 */
export const KINDS_WITH_COMMANDS = Object.keys(COMMANDS) as DeviceKind[];

export function commandsOfKind(kind: string): readonly CommandDefinition[] {
  return (COMMANDS as Record<string, readonly CommandDefinition[] | undefined>)[kind] ?? [];
}

/** The commands any of `kinds` knows, each name once (a shared command such as restart has one schema). */
export function commandsOfKinds(kinds: readonly string[]): CommandDefinition[] {
  const seen = new Map<string, CommandDefinition>();
  for (const k of kinds) for (const c of commandsOfKind(k)) if (!seen.has(c.name)) seen.set(c.name, c);
  return [...seen.values()];
}

export const findCommand = (name: string): CommandDefinition | undefined => commandsOfKinds(KINDS_WITH_COMMANDS).find((c) => c.name === name);

/** A command's label in `lang`; a name the catalog no longer knows shows as itself. */
export const commandLabel = (name: string, lang: Lang): string => findCommand(name)?.label[lang] ?? name;

export interface ArgField {
  name: string;
  type: 'integer' | 'number' | 'string' | 'select';
  required: boolean;
  min?: number;
  max?: number;
  maxLength?: number;
  options?: string[];
}

interface SchemaNode { type?: string; minimum?: number; maximum?: number; maxLength?: number; anyOf?: SchemaNode[]; enum?: unknown[]; const?: unknown }

/** The inputs of a command's arguments: integer/number → number with bounds, string → text, literals → select. */
export function argFields(def: CommandDefinition | undefined): ArgField[] {
  if (!def) return [];
  const schema = def.args as unknown as { properties?: Record<string, SchemaNode>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, s]) => {
    const required = (schema.required ?? []).includes(name);
    const literals = s.anyOf?.every((x) => x.const !== undefined) ? s.anyOf.map((x) => String(x.const)) : s.enum?.map(String);
    if (literals) return { name, type: 'select', required, options: literals };
    if (s.type === 'integer' || s.type === 'number') return { name, type: s.type, required, min: s.minimum, max: s.maximum };
    return { name, type: 'string', required, maxLength: s.maxLength };
  });
}

/** Starting values: the first choice of a select, the lower bound of a number, empty text. */
export function defaultArgValues(fields: readonly ArgField[]): Record<string, string> {
  return Object.fromEntries(fields.map((f) => [f.name, f.type === 'select' ? f.options![0]! : f.min !== undefined && f.required ? String(f.min) : '']));
}

/** The arguments to send, or the name of the first field that is missing or out of bounds. */
export function argsFrom(fields: readonly ArgField[], values: Record<string, string>): { args: Record<string, unknown> } | { bad: string } {
  const args: Record<string, unknown> = {};
  for (const f of fields) {
    const raw = (values[f.name] ?? '').trim();
    if (raw === '') {
      if (f.required) return { bad: f.name };
      continue;
    }
    if (f.type === 'integer' || f.type === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n) || (f.type === 'integer' && !Number.isInteger(n)) || (f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) return { bad: f.name };
      args[f.name] = n;
    } else if (f.maxLength !== undefined && raw.length > f.maxLength) return { bad: f.name };
    else args[f.name] = raw;
  }
  return { args };
}

/** Arguments as one short line for lists: "state: standby, minutes: 5". */
export function argsText(args: unknown): string {
  if (!args || typeof args !== 'object') return '';
  return Object.entries(args as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`).join(', ');
}
