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
 * Parses a telemetry payload (one reading or an array of them) for a device of `kind`.
 * A message is rejected whole if any of its readings is invalid: a half-stored backlog is harder to reason about.
 */
export function parseTelemetry(kind: DeviceKind, payload: Buffer | string): ValidationResult<Reading[]> {
  let data: unknown;
  try {
    data = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch {
    return { ok: false, error: 'payload is not valid JSON' };
  }
  const check = readingCheckers.get(kind);
  if (!check) return { ok: false, error: `unknown device kind '${kind}'` };
  const list = Array.isArray(data) ? data : [data];
  if (list.length === 0) return { ok: false, error: 'empty array of readings' };
  if (list.length > MAX_READINGS_PER_MESSAGE) return { ok: false, error: `more than ${MAX_READINGS_PER_MESSAGE} readings in one message` };
  const readings: Reading[] = [];
  for (let i = 0; i < list.length; i++) {
    const item: unknown = list[i];
    if (!check.Check(item)) {
      const prefix = Array.isArray(data) ? `[${i}] ` : '';
      return { ok: false, error: prefix + firstError(check, item) };
    }
    const r = toReading(item as Record<string, unknown>);
    if (Object.keys(r.fields).length === 0) return { ok: false, error: 'reading has no fields' };
    readings.push(r);
  }
  return { ok: true, value: readings };
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
