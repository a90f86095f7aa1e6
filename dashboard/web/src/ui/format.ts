import type { RecordState, RoomType, SchoolLevel } from '../../../../api/index.js';
import type { T } from '../i18n.js';

/** Shared formatting of the records pages: ISO dates as dd/mm/yyyy, money in VND, Vietnamese labels of codes. */

export { fmtIsoDate, fmtVnd } from '../i18n.js';

export const roomTypeLabel = (t: T, type: RoomType): string => t(`place.roomType.${type}`);
export const levelLabel = (t: T, level: SchoolLevel): string => t(`place.level.${level}`);
export const recordStateLabel = (t: T, state: RecordState): string => t(`record.state.${state}`);

/** An ApiError's (or any error's) message, for an inline error line. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
