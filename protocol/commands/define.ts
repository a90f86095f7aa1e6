import { Type, type TObject, type TProperties } from '@sinclair/typebox';

/** One command a device kind understands: its name on the wire, its arguments and how people see it. */
export interface CommandDefinition {
  name: string;
  label: { vi: string; en: string };
  description: { vi: string; en: string };
  /** The arguments: a closed object, so a misspelt argument is refused instead of being ignored by the device. */
  args: TObject;
  /**
   * Could do harm sent to many devices at once (power off, restart: a lesson interrupted, a device that does not come
   * back). Bulk rollouts of such commands go at a rate, with an abort rule.
   */
  harmful: boolean;
}

/** A command whose arguments are `args` (every one required unless wrapped in Type.Optional). */
export function defineCommand(def: Omit<CommandDefinition, 'args'> & { args?: TProperties }): CommandDefinition {
  return { ...def, args: Type.Object(def.args ?? {}, { additionalProperties: false }) };
}

/** Arguments shared by several kinds. */
export const MessageArgs = {
  text: Type.String({ minLength: 1, maxLength: 500, description: 'What the screen shows.' }),
  minutes: Type.Integer({ minimum: 1, maximum: 240, description: 'How long it stays on the screen, minutes.' }),
};
