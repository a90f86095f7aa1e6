import { auditMessages } from './messages.js';
import type { MessageKey, T } from '../../i18n.js';

/** Entities the server writes to the audit log (the filter offers these; others still show, raw). */
export const AUDIT_ENTITIES = ['device', 'district', 'school', 'site', 'room', 'user', 'import', 'subscription'] as const;

const known = (key: string): key is MessageKey => key in auditMessages.vi;

/**
 * A readable label for an audit action: a known one by name (device.retire), a place's create / update / retire /
 * restore by verb and thing ("Ngừng sử dụng phòng"), anything else as the server wrote it.
 */
export function actionLabel(t: T, action: string): string {
  const key = `audit.action.${action}`;
  if (known(key)) return t(key);
  const m = /^([a-z]+)\.(create|update|retire|restore)$/.exec(action);
  const thing = m && `audit.thing.${m[1]}`;
  if (m && thing && known(thing)) return t(`audit.verb.${m[2] as 'create' | 'update' | 'retire' | 'restore'}`, { thing: t(thing) });
  return action;
}

export function entityLabel(t: T, entity: string): string {
  const key = `audit.entity.${entity}`;
  return known(key) ? t(key) : entity;
}

/** An entry's detail as compact JSON text (never HTML), and whether it was cut short. */
export function detailJson(detail: unknown, max = 160): { short: string; full: string; cut: boolean } {
  if (detail === null || detail === undefined) return { short: '', full: '', cut: false };
  const full = typeof detail === 'string' ? detail : JSON.stringify(detail);
  if (full === '{}') return { short: '', full: '', cut: false };
  return full.length > max ? { short: full.slice(0, max - 1) + '…', full, cut: true } : { short: full, full, cut: false };
}
