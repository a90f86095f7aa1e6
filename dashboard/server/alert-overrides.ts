/**
 * Checks a rule override against its rule (alerts/rules.ts) before the registry stores it: the registry sits below
 * alerts/ and cannot know the rules, so this is the one place that does.
 */
import { EdufleetError } from '../../lib/errors.js';
import { ROOM_TYPES, SEVERITIES, type RuleId } from '../../domain/index.js';
import type { AlertRuleView, RuleParamsView } from '../../api/index.js';
import { RULES } from '../../alerts/rules.js';
import type { StoredOverride } from '../../registry/index.js';

const PARAM_KEYS = ['enabled', 'severity', 'threshold', 'clearAt', 'forMin', 'windowMin', 'holdOffMin', 'renotifyMin'] as const;
const invalid = (message: string) => new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', message);

/** Known fields, severities, numbers of 0 or more, and hysteresis on the rule's side of its threshold; else a 400. */
export function validateOverride(rule: string, o: { kind: string; roomType: string; params: Partial<RuleParamsView> }): asserts rule is RuleId {
  const def = Object.hasOwn(RULES, rule) ? RULES[rule as RuleId] : undefined;
  if (!def) throw new EdufleetError('EDUFLEET_ERR_REGISTRY_NOT_FOUND', `unknown rule '${rule}'; known: ${Object.keys(RULES).join(', ')}`);
  if (o.kind && !(def.kinds as readonly string[]).includes(o.kind)) throw invalid(`rule ${rule} does not look at ${o.kind} devices (only ${def.kinds.join(', ')})`);
  if (o.roomType && !(ROOM_TYPES as readonly string[]).includes(o.roomType)) throw invalid(`unknown room type '${o.roomType}'`);
  const keys = Object.keys(o.params);
  if (!keys.length) throw invalid('an override needs at least one parameter');
  for (const k of keys) {
    if (!(PARAM_KEYS as readonly string[]).includes(k)) throw invalid(`unknown parameter '${k}'; known: ${PARAM_KEYS.join(', ')}`);
    const v = (o.params as Record<string, unknown>)[k];
    if (k === 'enabled') {
      if (typeof v !== 'boolean') throw invalid('enabled must be true or false');
    } else if (k === 'severity') {
      if (!(SEVERITIES as readonly unknown[]).includes(v)) throw invalid(`severity must be one of ${SEVERITIES.join(', ')}`);
    } else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw invalid(`${k} must be a number of 0 or more`);
    }
  }
  const merged = { ...def.defaults, ...o.params };
  if (def.direction === 'above' && merged.clearAt > merged.threshold) {
    throw invalid(`rule ${rule} fires above ${merged.threshold} ${def.unit}, so it must clear at or below it (clearAt ${merged.clearAt} is above)`);
  }
  if (def.direction === 'below' && merged.clearAt < merged.threshold) {
    throw invalid(`rule ${rule} fires below ${merged.threshold} ${def.unit}, so it must clear at or above it (clearAt ${merged.clearAt} is below)`);
  }
}

/** Every rule with its defaults and the overrides the user may see. */
export function ruleViews(overrides: readonly StoredOverride[]): AlertRuleView[] {
  return Object.values(RULES).map((r) => ({
    id: r.id, kinds: [...r.kinds], unit: r.unit, direction: r.direction, defaults: { ...r.defaults },
    overrides: overrides.filter((o) => o.rule === r.id).map(({ rule: _r, ...o }) => o),
  }));
}
