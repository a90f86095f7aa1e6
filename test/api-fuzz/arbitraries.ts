/**
 * fast-check arbitraries from the JSON Schema that TypeBox emits and the OpenAPI document carries: values that fit a
 * schema, and values that break it (wrong types, missing and extra fields, out-of-range numbers, huge and malformed
 * strings). Written here rather than taken from a library: the one on npm (json-schema-fast-check 0.0.x) is a
 * pre-release that knows neither `pattern` nor OpenAPI's `nullable`, and the subset TypeBox emits is small.
 */
import fc from 'fast-check';

/** The part of JSON Schema (draft 7, and OpenAPI 3.0's `nullable`) that the dashboard's route schemas use. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
}

/** Values of a named field that exist in the seeded data (ids of real schools, devices…), or undefined for none. */
export type Hint = (name: string, schema: JsonSchema) => fc.Arbitrary<unknown> | undefined;

/** Recursive schemas stop here: deeper than this a value is null. */
const MAX_DEPTH = 6;

/** Strings that have broken servers before: NUL, lone surrogates, traversal, injections, look-alike numbers. */
export const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\uD800', '\uDFFF', 'x\uD83D', 'e\u0301', '\u202Etxt.exe', 'Ｔｅｓｔ', '\r\nX-Injected: 1',
  '../../../../etc/passwd', '..\\..\\windows', '%', '%zz', '%C3%28', '%00', '<script>alert(1)</script>', "' OR 1=1 --",
  '${jndi:ldap://x}', '{{7*7}}', '__proto__', 'constructor', 'null', 'true', '[]', '{}', '-1', '-0', '1e400', 'NaN',
  'Infinity', '0x10', '٣', 'Trường THPT Chuyên Lào Cai', 'Phòng học thông minh 1',
] as const;

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** A malformed or hostile string: one of NASTY_STRINGS, any code points, or lone surrogates among text. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.oneof(fc.constantFrom('a', 'ư', '\u0000', '/'), loneSurrogate), maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 5000 }).map((n) => 'ắ'.repeat(n)) },
);

/** Numbers a parser may choke on, as numbers and as strings (a query string carries only strings). */
const oddNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(-1, 0, -0, 1.5, -(2 ** 31) - 1, 2 ** 31, 2 ** 53 + 2, 2 ** 63, 1e308, -1e308, Number.MIN_VALUE),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '-0', '0x1F', '1_000', ' 7 ', '7abc', '٣'),
);

const typesOf = (s: JsonSchema): string[] => (s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type]);

/** Values of every JSON type but `types`. */
function otherType(types: string[]): fc.Arbitrary<unknown> {
  const all: [string, fc.Arbitrary<unknown>][] = [
    ['string', fc.oneof(fc.constant('x'), nastyString)], ['integer', fc.integer()], ['number', fc.double({ noNaN: true, noDefaultInfinity: true })],
    ['boolean', fc.boolean()], ['null', fc.constant(null)], ['array', fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 })],
    ['object', fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 })],
  ];
  const numeric = types.includes('number') || types.includes('integer');
  const others = all.filter(([t]) => !types.includes(t) && !(numeric && (t === 'integer' || t === 'number')));
  return fc.oneof(...others.map(([, a]) => a));
}

/** Arbitraries for one document: `$ref`s resolve against it, and `hint` brings in ids of seeded things. */
export class SchemaArbitraries {
  constructor(private readonly root: unknown, private readonly hint: Hint = () => undefined) {}

  /** The schema a `$ref` (a JSON pointer into the document) points to, followed until it is no reference. */
  resolve(s: JsonSchema): JsonSchema {
    let out = s;
    for (let hops = 0; out.$ref !== undefined; hops++) {
      if (hops > 20 || !out.$ref.startsWith('#/')) throw new Error(`cannot resolve ${out.$ref}`);
      let at: unknown = this.root;
      for (const part of out.$ref.slice(2).split('/')) at = (at as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
      if (at === undefined) throw new Error(`${out.$ref} points nowhere`);
      out = at as JsonSchema;
    }
    return out;
  }

  /** Values that fit `schema` (with the seeded ids mixed in for a field called `name`). */
  valid(schema: JsonSchema, name = '', depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const plain = this.fitting(s, depth);
    const hinted = name ? this.hint(name, s) : undefined;
    return hinted ? fc.oneof({ weight: 3, arbitrary: hinted }, { weight: 1, arbitrary: plain }) : plain;
  }

  /** Values that break `schema` at its top level or one level down. */
  invalid(schema: JsonSchema, name = ''): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const types = typesOf(s);
    const options: fc.Arbitrary<unknown>[] = [otherType(types), nastyString, oddNumber];
    if (s.enum !== undefined || s.const !== undefined) options.push(fc.constantFrom('khong-co', 'ZZZ', 42));
    if (types.includes('string')) {
      if (s.maxLength !== undefined) options.push(fc.constant('a'.repeat(s.maxLength + 1)));
      if ((s.minLength ?? 0) > 0) options.push(fc.constant(''));
    }
    if (types.includes('integer') || types.includes('number')) {
      const edges = [s.minimum, s.maximum].filter((n): n is number => n !== undefined);
      if (edges.length) options.push(fc.constantFrom(...edges.flatMap((n) => [n - 1, n + 1, n + 0.5])));
    }
    if (types.includes('array') && s.items) {
      options.push(fc.array(this.invalid(s.items), { minLength: 1, maxLength: 3 }));
      if (s.maxItems !== undefined) options.push(fc.constant(Array.from({ length: s.maxItems + 1 }, () => 1)));
    }
    if (s.properties) options.push(...this.brokenObjects(s));
    if (s.anyOf ?? s.oneOf) options.push(...(s.anyOf ?? s.oneOf)!.slice(0, 3).map((b) => this.invalid(b, name)));
    return fc.oneof(...options);
  }

  /** Either: fitting most of the time, breaking it now and then. */
  either(schema: JsonSchema, name = '', invalidWeight = 1): fc.Arbitrary<unknown> {
    return fc.oneof({ weight: 3, arbitrary: this.valid(schema, name) }, { weight: invalidWeight, arbitrary: this.invalid(schema, name) });
  }

  private fitting(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    if (depth > MAX_DEPTH) return fc.constant(null);
    if (s.nullable) return fc.oneof(fc.constant(null), this.fitting({ ...s, nullable: false }, depth));
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const branches = s.anyOf ?? s.oneOf;
    if (branches) return fc.oneof(...branches.map((b) => this.valid(b, '', depth + 1)));
    if (s.allOf) return this.fitting(Object.assign({}, ...s.allOf.map((b) => this.resolve(b))) as JsonSchema, depth);
    const types = typesOf(s);
    if (types.length > 1) return fc.oneof(...types.map((type) => this.fitting({ ...s, type }, depth)));
    switch (types[0] ?? (s.properties ? 'object' : undefined)) {
      case 'null': return fc.constant(null);
      case 'boolean': return fc.boolean();
      case 'integer': return integer(s);
      case 'number': return number(s);
      case 'string': return string(s);
      case 'array': return fc.array(s.items ? this.valid(s.items, '', depth + 1) : fc.jsonValue({ maxDepth: 1 }), { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 4, 4)) });
      case 'object': return this.object(s, depth);
      default: return fc.jsonValue({ maxDepth: 2 }); // {} (TypeBox's Unknown): anything
    }
  }

  private object(s: JsonSchema, depth: number): fc.Arbitrary<unknown> {
    const props = s.properties ?? {};
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries(props)) model[k] = this.valid(v, k, depth + 1);
    const known = fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    const open = Object.values(s.patternProperties ?? {})[0] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
    if (!open) return known;
    const more = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), this.valid(open, '', depth + 1), { maxKeys: 3 });
    return fc.tuple(known, more).map(([a, b]) => ({ ...b, ...(a as object) }));
  }

  /** An object schema's breakages: a required field missing, a field too many, one field of the wrong shape. */
  private brokenObjects(s: JsonSchema): fc.Arbitrary<unknown>[] {
    const props = s.properties ?? {};
    const valid = this.object(s, 0) as fc.Arbitrary<Record<string, unknown>>;
    const out: fc.Arbitrary<unknown>[] = [
      fc.tuple(valid, fc.constantFrom('extra', 'idd', '__proto__', 'constructor', ''), fc.jsonValue({ maxDepth: 1 })).map(([v, k, x]) => ({ ...v, [k]: x })),
    ];
    const required = (s.required ?? []).filter((k) => k in props);
    if (required.length) out.push(fc.tuple(valid, fc.constantFrom(...required)).map(([v, k]) => Object.fromEntries(Object.entries(v).filter(([key]) => key !== k))));
    const keys = Object.keys(props);
    if (keys.length) {
      out.push(fc.constantFrom(...keys).chain((k) => fc.tuple(valid, this.invalid(props[k]!, k)).map(([v, bad]) => ({ ...v, [k]: bad }))));
    }
    return out;
  }
}

function bounds(s: JsonSchema): { min?: number; max?: number } {
  let min = s.minimum;
  let max = s.maximum;
  if (typeof s.exclusiveMinimum === 'number') min = s.exclusiveMinimum + Number.EPSILON * Math.max(1, Math.abs(s.exclusiveMinimum));
  if (typeof s.exclusiveMaximum === 'number') max = s.exclusiveMaximum - Number.EPSILON * Math.max(1, Math.abs(s.exclusiveMaximum));
  return { min, max };
}

function integer(s: JsonSchema): fc.Arbitrary<number> {
  const b = bounds(s);
  const min = Math.max(Math.ceil(b.min ?? Number.MIN_SAFE_INTEGER), Number.MIN_SAFE_INTEGER);
  const max = Math.min(Math.floor(b.max ?? Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
  // Mostly small (ids, counts), now and then anywhere in the range (2^31 and beyond: a 32-bit column's edge).
  const small = fc.integer({ min: Math.max(min, Math.min(max, -5)), max: Math.min(max, Math.max(min, 200)) });
  return fc.oneof({ weight: 3, arbitrary: small }, { weight: 1, arbitrary: fc.integer({ min, max }) });
}

function number(s: JsonSchema): fc.Arbitrary<number> {
  const { min, max } = bounds(s);
  return fc.double({ min: min ?? -1e15, max: max ?? 1e15, noNaN: true, noDefaultInfinity: true });
}

const DATE = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2040-12-31T00:00:00Z'), noInvalidDate: true });

function string(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.max(min, Math.min(s.maxLength ?? 40, 200));
  // Lengths in code points, as ajv counts them (a grapheme may be several).
  const fits = (v: string) => [...v].length >= min && [...v].length <= (s.maxLength ?? Infinity);
  switch (s.format) {
    case 'date': return DATE.map((d) => d.toISOString().slice(0, 10));
    case 'date-time': return DATE.map((d) => d.toISOString());
    case 'email': return fc.emailAddress().filter(fits);
    case 'uri': case 'url': return fc.webUrl().filter(fits);
    case 'uuid': return fc.uuid();
    default: break;
  }
  if (s.pattern !== undefined) {
    const re = new RegExp(s.pattern);
    // A pattern without anchors matches inside any text: keep the generated strings to the length bounds.
    return fc.stringMatching(re).filter(fits);
  }
  const any = fc.string({ unit: 'grapheme', minLength: min, maxLength: max }).filter(fits);
  const vietnamese = ['Trường THCS Lê Quý Đôn', 'Phòng máy 2', 'Cảm biến hành lang'].filter(fits);
  return vietnamese.length ? fc.oneof({ weight: 2, arbitrary: any }, { weight: 1, arbitrary: fc.constantFrom(...vietnamese) }) : any;
}
