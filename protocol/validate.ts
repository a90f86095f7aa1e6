import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { KINDS, type DeviceKind } from './kinds/index.js';

/** A reading as it leaves validation: its fields, and the device time if it sent one. */
export interface Reading {
  ts?: number;
  seq?: number;
  fields: Record<string, number | boolean | string>;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The most readings one telemetry message may carry (a backlog upload after an outage). */
export const MAX_READINGS_PER_MESSAGE = 1000;

const readingCheckers = new Map<string, TypeCheck<TSchema>>(
  Object.values(KINDS).map((k) => [k.kind, TypeCompiler.Compile(k.reading)]),
);

function firstError(check: TypeCheck<TSchema>, value: unknown): string {
  const e = check.Errors(value).First();
  if (!e) return 'invalid';
  // TypeBox reports an unexpected property at the object's path; name the field so a technician can act on it.
  const where = e.path === '' ? 'reading' : e.path.slice(1);
  return `${where}: ${e.message}`;
}

function toReading(raw: Record<string, unknown>): Reading {
  const { ts, seq, ...fields } = raw;
  const r: Reading = { fields: fields as Reading['fields'] };
  if (typeof ts === 'number') r.ts = ts;
  if (typeof seq === 'number') r.seq = seq;
  return r;
}

/**
 * A telemetry reading as the device sent it, once validated: its fields, and `ts` and `seq` where it sent them (both
 * integers). The gateway reads it in one pass rather than splitting it into a Reading first (docs/benchmarks.md).
 */
export type TelemetryRecord = Record<string, number | boolean | string>;

/** True when a reading carries at least one field besides `ts` and `seq`. */
function hasField(r: TelemetryRecord): boolean {
  for (const k in r) if (k !== 'ts' && k !== 'seq') return true;
  return false;
}

/**
 * Parses a telemetry payload (one reading or an array of them) for a device of `kind`, and returns the readings
 * as parsed. A message is rejected whole if any of its readings is invalid: a half-stored backlog is harder to
 * reason about.
 */
export function parseTelemetryRecords(kind: DeviceKind, payload: Buffer | string): ValidationResult<TelemetryRecord[]> {
  let data: unknown;
  try {
    data = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return { ok: false, error: 'payload is not valid JSON' };
  }
  const check = readingCheckers.get(kind);
  if (!check) return { ok: false, error: `unknown device kind '${kind}'` };
  const isList = Array.isArray(data);
  const list = (isList ? data : [data]) as unknown[];
  if (list.length === 0) return { ok: false, error: 'empty array of readings' };
  if (list.length > MAX_READINGS_PER_MESSAGE) return { ok: false, error: `more than ${MAX_READINGS_PER_MESSAGE} readings in one message` };
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    if (!check.Check(item)) return { ok: false, error: (isList ? `[${i}] ` : '') + firstError(check, item) };
    if (!hasField(item as TelemetryRecord)) return { ok: false, error: 'reading has no fields' };
  }
  return { ok: true, value: list as TelemetryRecord[] };
}

/** Parses a telemetry payload into Readings: the fields apart from the device's time and sequence number. */
export function parseTelemetry(kind: DeviceKind, payload: Buffer | string): ValidationResult<Reading[]> {
  const res = parseTelemetryRecords(kind, payload);
  return res.ok ? { ok: true, value: res.value.map(toReading) } : res;
}

const cache = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** Validates any protocol message against its schema (status, attributes, event, command, result). */
export function parseMessage<T>(schema: TSchema, payload: Buffer | string): ValidationResult<T> {
  let check = cache.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    cache.set(schema, check);
  }
  let data: unknown;
  try {
    data = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return { ok: false, error: 'payload is not valid JSON' };
  }
  if (!check.Check(data)) return { ok: false, error: firstError(check, data) };
  return { ok: true, value: data as T };
}
