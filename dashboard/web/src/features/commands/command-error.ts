import { ApiError } from '../../api.js';
import type { T } from '../../i18n.js';

/** A refused submit as the user reads it: the safety switches of a harmful command in their words, else the server's. */
export function commandError(t: T, e: unknown): string {
  if (e instanceof ApiError && e.code === 'EDUFLEET_ERR_COMMAND_SAFETY') return t('cmd.safetyAdminOnly');
  return e instanceof Error ? e.message : String(e);
}
