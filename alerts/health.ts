/**
 * A device's health (ok / warning / critical, with its reasons) from this pass's verdicts and its open alerts.
 * A condition counts as soon as it fires, before its duration has passed (a board at 70 °C is not "ok" for its
 * first two minutes), and an alert that is firing or acknowledged keeps counting through its hold-off.
 */
import { HEALTH_LEVELS, RULE_IDS, type HealthLevel, type HealthReason, type RuleId } from '../domain/index.js';
import type { Verdict } from './conditions.js';
import type { OpenAlert } from './lifecycle.js';
import type { ParamsOf } from './conditions.js';

const rank = (l: HealthLevel) => HEALTH_LEVELS.indexOf(l);
const ruleOrder = (r: RuleId) => RULE_IDS.indexOf(r);

/** The level and reasons (worst first, then in the order of the rules) of one device. */
export function deviceHealth(verdicts: readonly Verdict[], alerts: readonly (OpenAlert & { rule: RuleId })[], paramsOf: ParamsOf): { level: HealthLevel; reasons: HealthReason[] } {
  const byRule = new Map<RuleId, HealthReason>();
  for (const v of verdicts) {
    if (!v.fire) continue;
    byRule.set(v.rule, { rule: v.rule, severity: paramsOf(v.rule).severity, ...(v.value !== undefined ? { value: v.value } : {}), ...(v.field ? { field: v.field } : {}) });
  }
  for (const a of alerts) {
    if (byRule.has(a.rule) || (a.state !== 'firing' && a.state !== 'acknowledged')) continue;
    byRule.set(a.rule, { rule: a.rule, severity: a.severity, ...(a.value !== null ? { value: a.value } : {}), ...(a.field ? { field: a.field } : {}) });
  }
  const reasons = [...byRule.values()].sort((a, b) => rank(a.severity) - rank(b.severity) || ruleOrder(a.rule) - ruleOrder(b.rule));
  return { level: reasons[0]?.severity ?? 'ok', reasons };
}

/** Same verdict as the one stored (the engine writes only changes). */
export function sameHealth(a: { level: HealthLevel; reasons: readonly HealthReason[] }, b: { level: HealthLevel; reasons: readonly HealthReason[] }): boolean {
  return a.level === b.level && JSON.stringify(a.reasons) === JSON.stringify(b.reasons);
}
