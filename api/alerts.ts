/** Alerts, silences and rule settings: the technicians' inbox and the rules screen. */
import type { AlertState, RuleId, RuleParams, Severity } from '../domain/index.js';

export interface AlertView {
  id: number;
  rule: RuleId;
  severity: Severity;
  state: AlertState;
  deviceId: string;
  deviceName: string;
  kind: string;
  roomId: number;
  roomName: string;
  schoolId: number;
  schoolName: string;
  /** The value that broke the rule, and which field, when the rule has one. */
  value: number | null;
  field: string | null;
  /** When the condition first held (pending since). */
  startedAt: number;
  firedAt: number | null;
  ackedAt: number | null;
  ackedBy: string | null;
  ackComment: string | null;
  resolvedAt: number | null;
  /** null when it resolved by itself. */
  resolvedBy: string | null;
  resolveReason: string | null;
  lastNotifiedAt: number | null;
  /** A silence covers the device, its room or its school now. */
  silenced: boolean;
  updatedAt: number;
}

/** GET /api/alerts. `state=open` (default): pending, firing and acknowledged. Worst and oldest first. */
export interface AlertListQuery {
  state?: AlertState | 'open' | 'all';
  severity?: Severity;
  rule?: RuleId;
  districtId?: number;
  schoolId?: number;
  roomId?: number;
  deviceId?: string;
  kind?: string;
  limit?: number;
  offset?: number;
}
export interface AlertListResponse { total: number; limit: number; offset: number; alerts: AlertView[] }

export interface AlertHistoryEntry { at: number; state: AlertState | 'renotified' | 'silenced'; byUser: string | null; comment: string | null }
export interface AlertDetail { alert: AlertView; history: AlertHistoryEntry[] }

export interface AckInput { comment?: string }
/** POST /api/alerts/ack: many at once (bulk acknowledge from the inbox). */
export interface BulkAckInput { ids: number[]; comment?: string }
export interface BulkAckResponse { acknowledged: number[]; skipped: number[] }
export interface ResolveInput { reason: string }

export type SilenceTarget = 'device' | 'room' | 'school';
export interface SilenceInput { targetType: SilenceTarget; targetId: string; until: number; reason: string }
export interface SilenceView {
  id: number;
  targetType: SilenceTarget;
  targetId: string;
  /** The device's, room's or school's name. */
  targetName: string;
  schoolId: number;
  until: number;
  reason: string;
  createdBy: string;
  createdAt: number;
  endedAt: number | null;
  endedBy: string | null;
}

/** A rule's parameters as the rules screen shows and edits them (the one definition: domain/health.ts). */
export type RuleParamsView = RuleParams;
export interface RuleOverrideView { id: number; kind: string; schoolId: number; roomType: string; params: Partial<RuleParamsView>; updatedBy: string; updatedAt: number }
export interface AlertRuleView { id: RuleId; kinds: string[]; unit: string; direction: 'above' | 'below'; defaults: RuleParamsView; overrides: RuleOverrideView[] }
/** PUT /api/alert-rules/:rule/overrides: one override ('' / 0 for "any"); admins for the province, technicians for their schools. */
export interface RuleOverrideInput { kind?: string; schoolId?: number; roomType?: string; params: Partial<RuleParamsView> }

/** Socket.IO: the alerts of one school that changed (opened, fired, acknowledged, resolved), coalesced per tick. */
export type AlertsBatch = AlertView[];
