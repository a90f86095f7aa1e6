/**
 * The vocabulary of remote commands (issue 11; docs/commands.md): the states of one command to one device, and
 * which of them are final. The command names and their argument schemas per device kind are the device contract's
 * (protocol/commands/).
 */

/**
 * queued (stored, not yet published) → sent (published to the device, QoS 1) → delivered (the device's PUBACK) →
 * succeeded | failed (its result) ; or expired (its time to live ran out first) ; or cancelled (by a person while not
 * yet delivered).
 */
export const COMMAND_STATES = ['queued', 'sent', 'delivered', 'succeeded', 'failed', 'expired', 'cancelled'] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

export const FINAL_COMMAND_STATES: readonly CommandState[] = ['succeeded', 'failed', 'expired', 'cancelled'];
export const isFinalCommandState = (s: CommandState): boolean => FINAL_COMMAND_STATES.includes(s);

/** Who asked: a person (username) or a schedule (its id). */
export type CommandOrigin = { by: 'user'; username: string } | { by: 'schedule'; scheduleId: number };

/** A command id travels in a topic level: bounded and free of wildcards (protocol/topics.ts DEVICE_ID_PATTERN's spirit). */
export const COMMAND_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$/;
