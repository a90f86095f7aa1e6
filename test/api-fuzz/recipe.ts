/**
 * One fuzzed request as a readable recipe (what fast-check generates, shrinks and prints as the counterexample), and
 * the bytes it becomes on the wire. Valid and invalid parts are mixed in one request: path params, query and body
 * each fit their schema three times in four, and otherwise break it, or arrive as malformed bytes.
 */
import fc from 'fast-check';
import { nastyString, type JsonSchema, type SchemaArbitraries } from './arbitraries.js';
import { changesState, type Operation, type Parameter } from './document.js';

/** Who sends the request: an admin's session, a read-only planner API token, or nobody at all. */
export type Who = 'admin' | 'planner' | 'nobody';

export type BodyRecipe =
  /** `application/json` of a value. */
  | { as: 'json'; value: unknown }
  /** Text that is not JSON, or is sent under another content type (null: no content type at all). */
  | { as: 'text'; type: string | null; text: string }
  /** Raw bytes, each character of `latin1` one byte: invalid UTF-8, byte-order marks, UTF-16. */
  | { as: 'bytes'; type: string | null; latin1: string }
  /** `bytes` bytes of JSON (a string field filled with 'a'): within the dashboard's 64 KiB body limit, or past it. */
  | { as: 'huge'; type: string; bytes: number };

export interface Recipe {
  who: Who;
  params: Record<string, unknown>;
  /** One path param sent as these bytes, unencoded: `..`, bad percent-encoding, invalid UTF-8, an overlong segment. */
  rawParam: string | null;
  query: Record<string, unknown>;
  /** Appended to the query string as it is. */
  rawQuery: string | null;
  body: BodyRecipe | null;
}

/** What goes on the wire. `target` is latin1: each character one byte. */
export interface WireRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const JSON_LIMIT = 64 * 1024;

const RAW_SEGMENTS = [
  '..', '.', '%', '%zz', '%E0%A4%A', '%C3%28', '%ED%A0%80', '%00', '%2e%2e%2f%2e%2e%2fkpi', '..%2f..%2fetc%2fpasswd', '\xff\xfe',
  '\xc3\x28', '\xe2\x82', 'a b', '%F0%9F%98', '«x×2000»', '«x×20000»',
] as const;
const RAW_QUERIES = ['%', 'a=%zz', 'a=%C3%28', '&&&', '=', 'a[b]=1', '__proto__[x]=1', 'constructor[prototype][x]=1', 'a=«x×10000»', '\xff=\xfe', 'schoolId=1&schoolId=2'] as const;
const NOT_JSON = [
  '{"a":', "{'a':1}", 'NaN', '', '\u0000', '[1,]', '{"a":1}{"b":2}', '"\\ud800"', '{"name":"\\ud800"}', '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}', ' ', 'null', '1e999', '[]', '"x"', '«[×30000»', '«[×20000»«]×20000»',
  '{"name":«{"a":×5000»1«}×5000»}',
] as const;
const WRONG_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16',
  'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;', 'application/octet-stream', 'text/csv', 'application/json, text/plain', null,
] as const;
const BAD_BYTES = [
  '{"name":"\xff\xfe\xc3\x28"}', '\xef\xbb\xbf{}', '\xfe\xff\x00{\x00}', '{"a":"\xed\xa0\x80"}', '\x00\x00\x00', '{"name":"\xc0\xaf"}', '\xff',
] as const;
const FILE_TEXT = ['mã;tên\nA1;Máy chiếu\n', 'id,kind,room\n"unterminated', 'PK\x03\x04garbage', '\xd0\xcf\x11\xe0', 'id,kind\n' + '1,board\n'.repeat(200)] as const;

/** A body that does not parse, or parses into something odd. */
const junkBody = (jsonTypes: boolean): fc.Arbitrary<BodyRecipe> => fc.oneof(
  fc.record({ as: fc.constant('text' as const), type: fc.constant('application/json'), text: fc.constantFrom(...NOT_JSON) }),
  fc.record({ as: fc.constant('text' as const), type: fc.constantFrom(...WRONG_TYPES), text: fc.oneof(fc.constant('{"a":1}'), nastyString) }),
  fc.record({ as: fc.constant('bytes' as const), type: fc.constantFrom('application/json', 'application/json; charset=utf-8', null), latin1: fc.constantFrom(...BAD_BYTES) }),
  fc.record({ as: fc.constant('huge' as const), type: fc.constant(jsonTypes ? 'application/json' : 'application/octet-stream'), bytes: fc.constantFrom(JSON_LIMIT - 100, JSON_LIMIT + 1, 2 * 1024 * 1024) }),
);

/** `«unit×n»` in a raw string is `unit` n times: long inputs stay short in a printed counterexample. */
const expand = (s: string): string => s.replace(/«(.+?)×(\d+)»/g, (_m, unit: string, n: string) => unit.repeat(Number(n)));

/** A schema object of an operation's path or query parameters, for `SchemaArbitraries`. */
const asObject = (ps: Parameter[]): JsonSchema => ({
  type: 'object', properties: Object.fromEntries(ps.map((p) => [p.name, p.schema])), required: ps.filter((p) => p.required).map((p) => p.name), additionalProperties: false,
});

/** The resource a path param names (`/api/schools/:id/timetable` → `schools`), for the seeded-id hints. */
export function resourceOf(pattern: string, param: string): string {
  const parts = pattern.split('/');
  const at = parts.findIndex((p) => p === `:${param}`);
  return at > 0 ? parts[at - 1]! : '';
}

/** `a` once in `n + 1` draws, null otherwise. */
const rarely = <T>(a: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | null> => fc.oneof({ weight: n, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: a });

/** Every request the fuzzer may send on `op`. */
export function recipes(op: Operation, arbs: SchemaArbitraries): fc.Arbitrary<Recipe> {
  // Path params take the seeded ids of their resource (`path:devices`); an object of them breaks as a whole.
  const paramModel: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of op.params) paramModel[p.name] = arbs.either(p.schema, `path:${resourceOf(op.pattern, p.name)}`);
  const params = op.params.length ? fc.oneof({ weight: 4, arbitrary: fc.record(paramModel) }, { weight: 1, arbitrary: arbs.invalid(asObject(op.params)) }) : fc.constant({});
  const query = op.query.length ? arbs.either(asObject(op.query)) : fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: arbs.invalid({ type: 'object', properties: {}, additionalProperties: false }) });
  return fc.record({
    who: fc.oneof({ weight: 3, arbitrary: fc.constant<Who>('admin') }, { weight: 2, arbitrary: fc.constant<Who>('planner') }, { weight: 1, arbitrary: fc.constant<Who>('nobody') }),
    params: params as fc.Arbitrary<Record<string, unknown>>,
    rawParam: op.params.length ? rarely(fc.constantFrom(...RAW_SEGMENTS), 8) : fc.constant(null),
    query: query as fc.Arbitrary<Record<string, unknown>>,
    rawQuery: rarely(fc.constantFrom(...RAW_QUERIES), 10),
    body: bodyRecipes(op, arbs),
  });
}

function bodyRecipes(op: Operation, arbs: SchemaArbitraries): fc.Arbitrary<BodyRecipe | null> {
  const json = (a: fc.Arbitrary<unknown>) => a.map((value): BodyRecipe => ({ as: 'json', value }));
  if (op.body) {
    return fc.oneof(
      { weight: 6, arbitrary: json(arbs.valid(op.body.schema)) }, { weight: 3, arbitrary: json(arbs.invalid(op.body.schema)) },
      { weight: 2, arbitrary: junkBody(true) }, { weight: op.body.required ? 1 : 2, arbitrary: fc.constant(null) },
    );
  }
  if (op.bodyTypes.length) {
    const file = fc.record({ as: fc.constant('bytes' as const), type: fc.constantFrom<string | null>(...op.bodyTypes), latin1: fc.constantFrom<string>(...FILE_TEXT) });
    return fc.oneof({ weight: 4, arbitrary: file }, { weight: 1, arbitrary: junkBody(false) }, { weight: 1, arbitrary: fc.constant(null) });
  }
  const none = fc.constant(null);
  if (!changesState(op)) return fc.oneof({ weight: 12, arbitrary: none }, { weight: 1, arbitrary: json(fc.jsonValue({ maxDepth: 1 })) });
  return fc.oneof({ weight: 6, arbitrary: none }, { weight: 1, arbitrary: json(fc.jsonValue({ maxDepth: 2 })) }, { weight: 1, arbitrary: junkBody(true) });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A param or query value as text: objects and arrays as JSON. */
const asText = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/**
 * Percent-encodes `s` byte by byte as UTF-8, except a lone surrogate, which becomes its 3-byte (CESU) form, `%ED%A0%80`:
 * an invalid UTF-8 sequence, as a careless client would send it.
 */
export function percentEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    let bytes: Buffer;
    if (pair) bytes = Buffer.from(s.slice(i, i++ + 2), 'utf8');
    else if (c >= 0xd800 && c <= 0xdfff) bytes = Buffer.from([0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]);
    else bytes = Buffer.from(s[i]!, 'utf8');
    for (const b of bytes) out += /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The recipe's bytes on the wire for `op` (without who sent it: the run adds the identity's headers). */
export function toWire(op: Operation, r: Recipe): WireRequest {
  // Broken params or query may be no object at all (a string, an array, null): then that value is every param, or `q`.
  const params = isObject(r.params) ? r.params : Object.fromEntries(op.params.map((p) => [p.name, r.params]));
  const query = isObject(r.query) ? r.query : { q: r.query };
  let rawUsed = false;
  const path = op.pattern.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    if (r.rawParam !== null && !rawUsed) {
      rawUsed = true;
      return expand(r.rawParam);
    }
    return percentEncode(asText(params[name]));
  });
  const pairs = Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${percentEncode(k)}=${percentEncode(asText(x))}`));
  if (r.rawQuery !== null) pairs.push(expand(r.rawQuery));
  const target = pairs.length ? `${path}?${pairs.join('&')}` : path;
  const headers: Record<string, string> = {};
  const b = r.body;
  if (!b) return { method: op.method, target, headers };
  let body: Buffer;
  let type: string | null;
  switch (b.as) {
    case 'json': [body, type] = [Buffer.from(JSON.stringify(b.value) ?? 'null', 'utf8'), 'application/json']; break;
    case 'text': [body, type] = [Buffer.from(expand(b.text), 'utf8'), b.type]; break;
    case 'bytes': [body, type] = [Buffer.from(b.latin1, 'latin1'), b.type]; break;
    case 'huge': [body, type] = [Buffer.from(`{"name":"${'a'.repeat(Math.max(0, b.bytes - 12))}"}`, 'utf8'), b.type]; break;
  }
  if (type !== null) headers['content-type'] = type;
  return { method: op.method, target, headers, body };
}
