/**
 * The fuzzer's own converter (arbitraries.ts), in memory: what it draws as valid fits the schema by ajv's judgement,
 * and what it draws as invalid breaks it most of the time, for the kinds of schema TypeBox emits.
 */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { SchemaArbitraries, type JsonSchema } from './arbitraries.js';
import { percentEncode, toWire } from './recipe.js';
import type { Operation } from './document.js';

const ajv = new Ajv2020.default({ strict: false });
addFormats.default(ajv);

const SCHEMAS: Record<string, JsonSchema> = {
  'an object with required, optional and nullable fields': Type.Object({
    id: Type.Integer({ minimum: 1 }), name: Type.String({ minLength: 1, maxLength: 100 }), note: Type.Union([Type.String(), Type.Null()]),
    write: Type.Optional(Type.Boolean()), kind: Type.Union([Type.Literal('board'), Type.Literal('sensor')]),
  }, { additionalProperties: false }) as JsonSchema,
  'a string with a pattern': Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' }) as JsonSchema,
  'a bounded array of bounded numbers': Type.Array(Type.Number({ minimum: -5, maximum: 5 }), { maxItems: 3 }) as JsonSchema,
  'a record of strings': Type.Record(Type.String(), Type.String({ maxLength: 5 })) as JsonSchema,
  'an e-mail address or nothing': Type.Union([Type.String({ format: 'email', maxLength: 120 }), Type.Null()]) as JsonSchema,
  'a referenced schema': { $ref: '#/components/schemas/Id' },
};
const DOC = { components: { schemas: { Id: { type: 'integer', minimum: 1, maximum: 1000 } } } };

describe('JSON Schema to fast-check arbitraries', () => {
  const arbs = new SchemaArbitraries(DOC);

  for (const [what, schema] of Object.entries(SCHEMAS)) {
    it(`draws only values that fit ${what}, and invalid ones that mostly do not`, () => {
      const validate = ajv.compile(arbs.resolve(schema));
      for (const v of fc.sample(arbs.valid(schema), { numRuns: 200, seed: 7 })) expect(validate(v), JSON.stringify(v)).toBe(true);
      const broken = fc.sample(arbs.invalid(schema), { numRuns: 200, seed: 7 }).filter((v) => !validate(v)).length;
      expect(broken).toBeGreaterThan(120);
    });
  }

  it('percent-encodes a lone surrogate as the invalid UTF-8 bytes a careless client sends, and a pair as UTF-8', () => {
    expect(percentEncode('a\uD800/')).toBe('a%ED%A0%80%2F');
    expect(percentEncode('😀 ư')).toBe('%F0%9F%98%80%20%C6%B0');
  });

  it('puts a raw segment into the path as it is, and the query and a JSON body on the wire', () => {
    const op: Operation = { key: 'POST /api/devices/:id/commands', method: 'POST', pattern: '/api/devices/:id/commands', path: '', params: [], query: [], bodyTypes: [] };
    const w = toWire(op, { who: 'admin', params: { id: 'x' }, rawParam: '..', query: { a: [1, 'ư'] }, rawQuery: '%zz', body: { as: 'json', value: { name: 'calibrate' } } });
    expect(w.target).toBe('/api/devices/../commands?a=1&a=%C6%B0&%zz');
    expect(w.headers['content-type']).toBe('application/json');
    expect(w.body?.toString()).toBe('{"name":"calibrate"}');
  });
});
