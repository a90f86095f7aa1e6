/**
 * Bulk runs (docs/commands.md, "Bulk runs"): one command to every device of a room, a site, a school, a district or
 * a kind within a scope, stored as one run and one command per device in one transaction. A rollout rate releases
 * the commands over time (`notBefore`), so every broker holds back the same ones; the run's watcher (run-watch.ts)
 * applies the abort rule and ends the run. People (the dashboard) and schedules (scheduler.ts) start runs the same way.
 */
import type { CommandOrigin } from '../domain/commands.js';
import { EdufleetError } from '../lib/errors.js';
import { commandOf, DEVICE_KINDS, parseCommand, type DeviceKind } from '../protocol/index.js';
import type { CommandTarget, RegistryStore, Scope, TargetDevice } from '../registry/index.js';

/** Long enough for a device that is briefly offline; short enough that a stale command does not act hours later. */
export const DEFAULT_TTL_MS = 10 * 60_000;
/** A harmful command (restart, power) goes out at this many devices per minute unless told otherwise. */
export const HARMFUL_RATE_PER_MIN = 120;
/** …and stops when more than this share of the finished commands failed or expired. */
export const HARMFUL_ABORT_PCT = 20;

export interface RunRequest {
  target: CommandTarget;
  name: string;
  args?: Record<string, unknown>;
  /** Devices the starter may command: a person's scope; undefined for an admin or a schedule (its school is its target). */
  scope?: Scope;
  origin: CommandOrigin;
  at: number;
  ttlMs?: number;
  /** undefined: the command's default (harmful: a rate; else all at once); null: all at once. */
  ratePerMin?: number | null;
  /** undefined: the command's default (harmful: an abort rule; else none); null: never abort. */
  abortFailedPct?: number | null;
  scheduleId?: number | null;
  /** Refuse (403) a harmful run whose rollout is looser than its defaults: a person's run, unless an admin's. */
  keepSafety?: boolean;
}

const invalid = (message: string) => new EdufleetError('EDUFLEET_ERR_REGISTRY_INVALID', message);

/** The kinds that know command `name` (narrowed by the target's kind). */
export function kindsFor(name: string, target: CommandTarget): DeviceKind[] {
  return DEVICE_KINDS.filter((k) => commandOf(k, name) && (!target.kind || k === target.kind) && (target.type !== 'kind' || k === target.id));
}

/** Whether any kind the run reaches treats the command as harmful. */
export const isHarmful = (name: string, kinds: readonly DeviceKind[]): boolean => kinds.some((k) => commandOf(k, name)?.harmful);

/**
 * Why a rollout is looser than the safety defaults of a harmful command (its rate switched off or faster than
 * HARMFUL_RATE_PER_MIN, its abort rule switched off or more tolerant than HARMFUL_ABORT_PCT), or null when it is
 * not. Only an admin may loosen them: a technician may send a harmful command slower or stricter, not faster.
 * undefined means "the default", which is never looser.
 */
export function loosenedSafety(o: { ratePerMin?: number | null; abortFailedPct?: number | null }): string | null {
  const why: string[] = [];
  if (o.ratePerMin === null) why.push('switch off the rollout rate');
  else if (o.ratePerMin !== undefined && o.ratePerMin > HARMFUL_RATE_PER_MIN) why.push(`raise the rollout rate above ${HARMFUL_RATE_PER_MIN} devices a minute`);
  if (o.abortFailedPct === null) why.push('switch off the abort rule');
  else if (o.abortFailedPct !== undefined && o.abortFailedPct > HARMFUL_ABORT_PCT) why.push(`raise the abort threshold above ${HARMFUL_ABORT_PCT} %`);
  return why.length ? why.join(' and ') : null;
}

/** The 403 of a non-admin who loosened a harmful command's rollout (`why` from `loosenedSafety`). */
export function loosenedSafetyError(name: string, why: string): EdufleetError {
  return new EdufleetError('EDUFLEET_ERR_COMMAND_SAFETY',
    `only an admin may ${why} of a harmful command ('${name}'): leave them at their defaults (${HARMFUL_RATE_PER_MIN} devices a minute, stop past ${HARMFUL_ABORT_PCT} % failed), make them stricter, or ask an admin`);
}

export function runDefaults(harmful: boolean): { ratePerMin: number | null; abortFailedPct: number | null; ttlMs: number } {
  return { ratePerMin: harmful ? HARMFUL_RATE_PER_MIN : null, abortFailedPct: harmful ? HARMFUL_ABORT_PCT : null, ttlMs: DEFAULT_TTL_MS };
}

export interface PlannedRun {
  devices: TargetDevice[];
  kinds: DeviceKind[];
  harmful: boolean;
  /** Devices in the target (in scope) of kinds that do not know the command. */
  skipped: number;
  args: Record<string, unknown>;
}

/** What a run would reach and with which arguments; throws (invalid) on an unknown command or bad arguments. */
export async function planRun(registry: RegistryStore, r: Pick<RunRequest, 'target' | 'name' | 'args' | 'scope'>): Promise<PlannedRun> {
  const kinds = kindsFor(r.name, r.target);
  if (!kinds.length) throw invalid(`no device kind${r.target.kind ? ` '${r.target.kind}'` : ''} knows the command '${r.name}'`);
  let args: Record<string, unknown> = {};
  for (const kind of kinds) {
    const parsed = parseCommand(kind, { name: r.name, ...(r.args ? { args: r.args } : {}) });
    if (!parsed.ok) throw invalid(parsed.error);
    args = parsed.value.args;
  }
  const all = await registry.targetDevices(r.target, r.scope ? { scope: r.scope } : {});
  const devices = all.filter((d) => kinds.includes(d.kind));
  return { devices, kinds, harmful: isHarmful(r.name, kinds), skipped: all.length - devices.length, args };
}

/** The one school (and district) all devices are in, if they are; a run across schools has none (or its district). */
function homeOf(devices: readonly TargetDevice[]): { schoolId: number | null; districtId: number | null } {
  const schools = new Set(devices.map((d) => d.schoolId));
  const districts = new Set(devices.map((d) => d.districtId));
  return { schoolId: schools.size === 1 ? devices[0]!.schoolId : null, districtId: districts.size === 1 ? devices[0]!.districtId : null };
}

/**
 * Starts a run: the run, one command per device (released at the rollout rate) and its audit entry, in one
 * transaction. A target that reaches no device is refused (invalid), so no empty run is recorded.
 */
export async function startRun(
  registry: RegistryStore, r: RunRequest,
  /** Runs last inside the run's transaction (a schedule records its fire there); a throw rolls the run back. */
  within?: (tx: RegistryStore, runId: number, devices: TargetDevice[]) => Promise<void>,
): Promise<{ runId: number; devices: TargetDevice[] }> {
  const plan = await planRun(registry, r);
  if (!plan.devices.length) throw invalid(`the target reaches no device that knows '${r.name}'`);
  const loosened = r.keepSafety && plan.harmful ? loosenedSafety(r) : null;
  if (loosened) throw loosenedSafetyError(r.name, loosened);
  const d = runDefaults(plan.harmful);
  const ratePerMin = r.ratePerMin === undefined ? d.ratePerMin : r.ratePerMin;
  const abortFailedPct = r.abortFailedPct === undefined ? d.abortFailedPct : r.abortFailedPct;
  const ttlMs = r.ttlMs ?? d.ttlMs;
  const actor = r.origin.by === 'user' ? r.origin.username : `schedule:${r.origin.scheduleId}`;
  const runId = await registry.transaction(async (tx) => {
    const id = await tx.createRun({
      name: r.name, args: plan.args, target: r.target, ...homeOf(plan.devices), origin: r.origin, createdAt: r.at,
      ratePerMin, abortFailedPct, ttlMs, scheduleId: r.scheduleId ?? null,
    });
    // Released over time, the last one still gets its whole time to live.
    const releaseAt = (i: number) => (ratePerMin ? r.at + Math.floor((i * 60_000) / ratePerMin) : r.at);
    await tx.enqueueCommands(plan.devices.map((dev, i) => ({
      runId: id, deviceId: dev.id, name: r.name, args: plan.args, createdAt: r.at, expiresAt: releaseAt(i) + ttlMs, origin: r.origin,
      notBefore: releaseAt(i) > r.at ? releaseAt(i) : null,
    })));
    await tx.audit(actor, 'command.run', 'run', id, {
      name: r.name, args: plan.args, target: r.target, devices: plan.devices.length, ratePerMin, abortFailedPct, ttlMs,
      ...(r.scheduleId ? { scheduleId: r.scheduleId } : {}),
    });
    await within?.(tx, id, plan.devices);
    return id;
  });
  return { runId, devices: plan.devices };
}
