/**
 * The property-based fuzzer of the REST API (issue 22; docs/integration.md, "Fuzzing the API"), driven by the OpenAPI
 * document the dashboard serves: for every route, requests generated from its schemas, valid and invalid (wrong types,
 * missing and extra fields, huge and malformed strings, bad percent-encoding, invalid UTF-8, JSON that is not JSON,
 * wrong content types, ids that do not exist or belong to another scope), over real HTTP, as an admin's session, a
 * read-only planner API token and nobody. No answer may be a 5xx, and an answer the document describes must fit it.
 *
 * Bounded in time: EDUFLEET_FUZZ_SECONDS (default 60) shared between the routes; a fixed seed unless
 * EDUFLEET_FUZZ_SEED says otherwise (a number, or `random`); EDUFLEET_FUZZ_ROUTE replays one route. `npm run fuzz`
 * runs it with a random seed and a longer budget. It runs on PostgreSQL, the stricter engine (NUL bytes, 32-bit
 * columns); EDUFLEET_FUZZ_ENGINE=sqlite runs it on the embedded files.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard } from '../../dashboard/server/index.js';
import { useEngines } from '../helpers/engines.js';
import { responseChecker, type OpenApiDoc } from '../helpers/openapi-check.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { operationsOf, type OpenApiDocument } from './document.js';
import { send, type Answer } from './http.js';
import type { Who } from './recipe.js';
import { fuzz, replayText, summaryLine } from './run.js';
import { World } from './world.js';

/** The seed CI uses: the number and the year, so a run can be named by it. */
const DEFAULT_SEED = 222026;
const env = process.env;
const SEED = env.EDUFLEET_FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(env.EDUFLEET_FUZZ_SEED ?? DEFAULT_SEED);
const SECONDS = Number(env.EDUFLEET_FUZZ_SECONDS ?? 60);
const ENGINE = env.EDUFLEET_FUZZ_ENGINE === 'sqlite' ? 'sqlite' : 'postgres';

const engines = useEngines();

describe('the API fuzzer, driven by the OpenAPI document', () => {
  let s: TestStack;
  let world: World;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    if (!Number.isInteger(SEED) || !(SECONDS > 0)) throw new Error(`EDUFLEET_FUZZ_SEED must be an integer or "random", EDUFLEET_FUZZ_SECONDS a positive number (got ${env.EDUFLEET_FUZZ_SEED}, ${env.EDUFLEET_FUZZ_SECONDS})`);
    s = await startTestStack({
      only: ['broker', 'gateway', 'dashboard'], dashboard: startDashboard,
      // The planner token sends a few thousand requests a minute here: its rate limit is tested in test/dashboard/api-tokens.test.ts.
      overrides: { registry: { url: await engines.url(ENGINE) }, dashboard: { apiTokenRequestsPerMin: 1_000_000 } },
    });
    world = new World(s);
    await world.seed();
    const res = await fetch(`${s.dashboard!.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as OpenApiDocument;
  });
  afterAll(async () => { await s?.close(); });

  // Regressions: what the fuzzer found, each input named.
  const call = (who: Who, method: string, target: string, body?: { type: string; bytes: string }) => send(world.base, {
    method, target, headers: { ...world.headers(who), ...(body ? { 'content-type': body.type } : {}) }, body: body && Buffer.from(body.bytes, 'latin1'),
  });
  const refused = (a: Answer) => [a.status, (a.body as { code?: string }).code];

  it('refuses ids past PostgreSQL\'s 32-bit integer (2147483648) with 400, in the path, the query and the body', async () => {
    expect(refused(await call('admin', 'GET', '/api/alerts/2147483648'))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    expect(refused(await call('admin', 'GET', '/api/devices?roomId=2147483648'))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    expect(refused(await call('admin', 'GET', '/api/health/summary?level=school&parentId=1207718302402521'))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    expect(refused(await call('admin', 'POST', '/api/alerts/ack', { type: 'application/json', bytes: '{"ids":[2147483648],"comment":"x"}' }))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    // Ids that travel as text (a silence's or a bulk run's target): no such place, not a failed query.
    const until = Date.now() + 3_600_000;
    const silence = await call('admin', 'POST', '/api/silences', { type: 'application/json', bytes: JSON.stringify({ targetType: 'school', targetId: '2147483648', until, reason: 'Bảo trì' }) });
    expect(silence.status).toBe(404);
    const run = await call('admin', 'POST', '/api/command-runs/preview', { type: 'application/json', bytes: JSON.stringify({ target: { type: 'room', id: '2147483648' }, name: 'calibrate' }) });
    expect(refused(run)).toEqual([400, 'EDUFLEET_ERR_REGISTRY_INVALID']);
  });

  it('refuses "Infinity", "-Infinity" and 1e999 where a number goes with 400', async () => {
    expect(refused(await call('planner', 'GET', '/api/command-runs/Infinity'))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    expect(refused(await call('planner', 'GET', '/api/usage?schoolId=-Infinity'))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    expect(refused(await call('admin', 'POST', '/api/alerts/ack', { type: 'application/json', bytes: '{"ids":[1e999],"comment":"x"}' }))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
  });

  it('refuses a NUL character (%00) in a path, a query and a body with 400', async () => {
    expect(refused(await call('admin', 'POST', '/api/edges/edge-1%00/revoke'))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    expect(refused(await call('admin', 'POST', '/api/devices/sensor-a%00/commands', { type: 'application/json', bytes: '{"name":"calibrate"}' }))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    expect(refused(await call('admin', 'GET', '/api/devices?q=a%00b'))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    expect(refused(await call('admin', 'POST', '/api/districts', { type: 'application/json', bytes: '{"code":"LC-NUL","name":"Huy\\u0000n"}' }))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
  });

  it('refuses a usage window outside 2000 – 2100 (to=0230-10-10) with 400 rather than failing its InfluxDB query', async () => {
    expect(refused(await call('admin', 'GET', '/api/usage?to=0230-10-10&roomId=1'))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
    expect(refused(await call('planner', 'GET', '/api/planning?from=9999-01-01&to=9999-02-01'))).toEqual([400, 'EDUFLEET_ERR_REQUEST_INVALID']);
  });

  it('answers an edge file import without a body, or with a JSON one, 400 EDUFLEET_ERR_EDGE_FILE, and takes the next upload', async () => {
    expect(refused(await call('admin', 'POST', '/api/edges/imports?name=.EFE'))).toEqual([400, 'EDUFLEET_ERR_EDGE_FILE']);
    expect(refused(await call('admin', 'POST', '/api/edges/imports?name=a.efe', { type: 'application/json', bytes: '{"a":1}' }))).toEqual([400, 'EDUFLEET_ERR_EDGE_FILE']);
    expect((await call('admin', 'POST', '/api/edges/imports?name=a.efe', { type: 'application/octet-stream', bytes: 'không phải tệp xuất' })).status).toBe(202);
  });

  it('answers a URL that does not decode, an overlong path param, a request line with a raw space and oversized headers as { code, message }', async () => {
    const error = { code: 'EDUFLEET_ERR_REQUEST_INVALID', message: expect.any(String) as unknown };
    for (const [target, status] of [['/api/devices/%zz', 400], [`/api/devices/${'x'.repeat(200)}`, 414], ['/api/a b', 400], [`/api/devices/${'x'.repeat(20_000)}`, 431]] as const) {
      const a = await call('admin', 'GET', target);
      expect([target.slice(0, 30), a.status, a.body]).toEqual([target.slice(0, 30), status, error]);
    }
  });

  it('finds no server error and no answer that breaks the document on any route, for an admin, a planner token and nobody', { timeout: SECONDS * 1000 + 240_000 }, async () => {
    const summary = await fuzz(doc, world, { seed: SEED, seconds: SECONDS, route: env.EDUFLEET_FUZZ_ROUTE, check: responseChecker(doc as unknown as OpenApiDoc) });
    const file = path.join(os.tmpdir(), `edufleet-api-fuzz-${SEED}-${process.pid}.json`);
    writeFileSync(file, `${JSON.stringify({ engine: ENGINE, ...summary }, null, 2)}\n`);
    console.log(summaryLine(summary, file));
    expect(summary.findings.map((f) => replayText(f, SEED)).join('\n\n')).toBe('');
    expect(summary.serverErrors).toBe(0);
    // Every route of the document was called (all of them, unless one route is replayed).
    if (env.EDUFLEET_FUZZ_ROUTE === undefined) expect(summary.routes).toBe(operationsOf(doc).length);
  });
});
