/**
 * The lifecycle of one alert per (rule, device), as a pure function of the alert open now, the rule's verdict of this
 * pass and its parameters (docs/alerts.md). No clock and no I/O: the engine applies the step it returns with a
 * conditional update, so a step computed by two processes is applied (and notified) by one.
 */
import type { AlertState, Severity } from '../domain/index.js';
import type { Verdict } from './conditions.js';
import type { RuleParams } from './rules.js';

const MIN = 60_000;

/** What the lifecycle needs of an open (not resolved) alert. */
export interface OpenAlert {
  id: number;
  state: Exclude<AlertState, 'resolved'>;
  startedAt: number;
  clearSince: number | null;
  lastNotifiedAt: number | null;
  value: number | null;
  field: string | null;
  severity: Severity;
}

/** Why an alert resolves without its condition clearing. */
export type BlockReason = 'in repair' | 'retired';

export type Step =
  /** Opens an alert: pending while the duration runs, firing at once when the rule has none. */
  | { type: 'open'; state: 'pending' | 'firing'; severity: Severity; value: number | null; field: string | null }
  /** A pending alert whose condition stopped before it fired: deleted with its history (never notified, not worth keeping). */
  | { type: 'drop' }
  | { type: 'fire'; value: number | null }
  | { type: 'clearing' }
  | { type: 'unclear' }
  | { type: 'resolve'; reason: string; value: number | null }
  /** A firing alert not yet notified (it fired during a silence) or due again: the engine checks silences. */
  | { type: 'notify'; renotify: boolean };

/**
 * The next step of one (rule, device), or undefined when nothing changes. A missing verdict (the rule is disabled,
 * no longer applies, or the device reports nothing it could judge) counts as clear.
 */
export function step(alert: OpenAlert | undefined, verdict: Verdict | undefined, p: RuleParams, now: number, blocked?: BlockReason): Step | undefined {
  const fire = !blocked && (verdict?.fire ?? false);
  const clear = !!blocked || (verdict ? verdict.clear : true);
  const value = verdict?.value ?? null;
  if (!alert) {
    if (!fire) return undefined;
    return { type: 'open', state: p.forMin > 0 ? 'pending' : 'firing', severity: p.severity, value, field: verdict?.field ?? null };
  }
  if (alert.state === 'pending') {
    if (!fire) return { type: 'drop' };
    return now - alert.startedAt >= p.forMin * MIN ? { type: 'fire', value } : undefined;
  }
  if (blocked) return { type: 'resolve', reason: blocked, value: alert.value };
  if (fire) {
    if (alert.clearSince !== null) return { type: 'unclear' };
  } else if (alert.clearSince !== null) {
    // Between the clear level and the threshold the clear that began keeps running: a value hovering just under
    // the threshold resolves after the hold-off instead of holding the alert open for ever.
    return now - alert.clearSince >= p.holdOffMin * MIN ? { type: 'resolve', reason: 'cleared', value: value ?? alert.value } : undefined;
  } else if (clear) {
    return p.holdOffMin > 0 ? { type: 'clearing' } : { type: 'resolve', reason: 'cleared', value: value ?? alert.value };
  }
  // Acknowledged: someone is on it. Clearing: the condition is going away; a re-notification would be noise.
  if (alert.state !== 'firing' || alert.clearSince !== null) return undefined;
  if (alert.lastNotifiedAt === null) return { type: 'notify', renotify: false };
  if (p.renotifyMin > 0 && now - alert.lastNotifiedAt >= p.renotifyMin * MIN) return { type: 'notify', renotify: true };
  return undefined;
}
