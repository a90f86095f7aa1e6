/**
 * The fuzz run: for every operation of the document, requests generated from its schemas (valid and invalid mixed),
 * sent over real HTTP by each caller in turn, within a time budget shared out between the routes. The property: no
 * answer is a 5xx, every request gets an answer, and an answer whose status the document describes fits its schema.
 * A failure is shrunk by fast-check and kept with the seed and path that replay it; the run goes on with the next route.
 */
import fc from 'fast-check';
import type { ResponseCheck } from '../helpers/openapi-check.js';
import { SchemaArbitraries } from './arbitraries.js';
import { operationsOf, type OpenApiDocument, type Operation } from './document.js';
import { send, type Answer } from './http.js';
import { recipes, toWire, type Recipe } from './recipe.js';
import type { World } from './world.js';

export interface FuzzOptions {
  /** The run's seed; each route's own seed derives from it and the route's key. */
  seed: number;
  /** The whole run's budget, shared equally between the routes. */
  seconds: number;
  /** Only the routes whose key contains this (a replay). */
  route?: string;
  check: ResponseCheck;
}

export interface Finding {
  route: string;
  kind: 'server error' | 'schema mismatch' | 'no answer';
  message: string;
  /** The route's fast-check seed and path: `fc.check(…, { seed, path })` replays the shrunk case. */
  seed: number;
  path: string | null;
  counterexample: string;
}

export interface Summary {
  seed: number;
  seconds: number;
  requests: number;
  /** Routes of the document, and how many of them got at least one request. */
  routesInDocument: number;
  routes: number;
  statuses: Record<string, number>;
  serverErrors: number;
  schemaMismatches: number;
  /** Answers with a status the route's document does not list (no schema to check them by), per route. */
  undocumented: Record<string, number[]>;
  findings: Finding[];
  perRoute: Record<string, Record<string, number>>;
}

class Failure extends Error {
  constructor(readonly kind: Finding['kind'], message: string) {
    super(message);
  }
}

/** FNV-1a of a route key: each route's seed stays the same when routes are added or removed. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
export const routeSeed = (seed: number, key: string): number => (seed ^ hash(key)) | 0;

/** Does the document describe answers of this status for this operation (exactly, by range or by default)? */
function documented(doc: OpenApiDocument, op: Operation, status: number): boolean {
  const responses = ((doc.paths[op.path]?.[op.method.toLowerCase()] ?? {}) as { responses?: Record<string, unknown> }).responses ?? {};
  const range = `${String(status)[0]}XX`;
  return [String(status), range, range.toLowerCase(), 'default'].some((k) => k in responses);
}

/** The pool a created thing's id joins: the last fixed segment of the route (`POST /api/schools` → `schools`). */
const createdResource = (op: Operation): string => op.pattern.split('/').filter((p) => p && !p.includes(':')).at(-1) ?? '';

export async function fuzz(doc: OpenApiDocument, world: World, o: FuzzOptions): Promise<Summary> {
  const all = operationsOf(doc);
  // A replay names one route exactly; a part of a key (`/api/alerts`) takes every route it is in.
  const exact = all.filter((op) => op.key === o.route);
  const ops = o.route === undefined ? all : exact.length ? exact : all.filter((op) => op.key.includes(o.route!));
  if (!ops.length) throw new Error(`no route of the document matches ${o.route}`);
  const arbs = new SchemaArbitraries(doc, world.hint);
  const sliceMs = Math.max(200, (o.seconds * 1000) / ops.length);
  const sum: Summary = {
    seed: o.seed, seconds: o.seconds, requests: 0, routesInDocument: all.length, routes: 0, statuses: {}, serverErrors: 0, schemaMismatches: 0,
    undocumented: {}, findings: [], perRoute: {},
  };

  const once = async (op: Operation, r: Recipe): Promise<void> => {
    const wire = toWire(op, r);
    Object.assign(wire.headers, world.headers(r.who));
    let a: Answer;
    try {
      a = await send(world.base, wire);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Failure('no answer', `${(err as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`);
    }
    sum.requests++;
    sum.statuses[a.status] = (sum.statuses[a.status] ?? 0) + 1;
    const mine = (sum.perRoute[op.key] ??= {});
    mine[a.status] = (mine[a.status] ?? 0) + 1;
    await world.after(r.who, op.key, a.status);
    if (a.status < 300 && op.method === 'POST') world.created(createdResource(op), a.body);
    if (a.status >= 500) {
      sum.serverErrors++;
      throw new Failure('server error', `${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
    }
    if (!documented(doc, op, a.status)) {
      const list = (sum.undocumented[op.key] ??= []);
      if (!list.includes(a.status)) list.push(a.status);
      return;
    }
    const problems = o.check(op.method, op.pattern, a.status, a.body);
    if (problems.length) {
      sum.schemaMismatches++;
      throw new Failure('schema mismatch', problems.slice(0, 5).join('; '));
    }
  };

  for (const op of ops) {
    const seed = routeSeed(o.seed, op.key);
    const details = await fc.check(fc.asyncProperty(recipes(op, arbs), (r) => once(op, r)), {
      seed, numRuns: 1_000_000, plugins: [fc.interruptAfterTimeLimit(sliceMs)],
    });
    // Interrupted by the route's time slice before any request came back (a slow first answer on a busy machine):
    // nothing failed, and the route still gets its one request, awaited, for the coverage the test checks.
    const interrupted = details.failed && details.interrupted && details.counterexample === null;
    if (interrupted && !sum.perRoute[op.key]) {
      const [first] = fc.sample(recipes(op, arbs), { seed, numRuns: 1 });
      await once(op, first!).catch((err: unknown) => sum.findings.push({
        route: op.key, kind: err instanceof Failure ? err.kind : 'server error', message: (err as Error).message, seed, path: '0', counterexample: fc.stringify(first),
      }));
    }
    if (details.failed && !interrupted) {
      const err = details.errorInstance;
      sum.findings.push({
        route: op.key, kind: err instanceof Failure ? err.kind : 'server error', message: err instanceof Error ? err.message : String(err),
        seed, path: details.counterexamplePath, counterexample: fc.stringify((details.counterexample as [Recipe] | null)?.[0]).slice(0, 2000),
      });
    }
  }
  sum.routes = Object.keys(sum.perRoute).length;
  return sum;
}

/** The one summary line: requests, routes, statuses seen, server errors, schema mismatches. */
export function summaryLine(s: Summary, file: string): string {
  const statuses = Object.entries(s.statuses).map(([k, n]) => `${k}×${n}`).join(' ');
  return `API fuzz (seed ${s.seed}, ${s.seconds} s): ${s.requests} requests on ${s.routes} of ${s.routesInDocument} routes; `
    + `statuses ${statuses}; ${s.serverErrors} server errors, ${s.schemaMismatches} schema mismatches; details in ${file}`;
}

/** How to replay one finding. */
export function replayText(f: Finding, runSeed: number): string {
  return `${f.route}: ${f.kind}: ${f.message}\n  counterexample: ${f.counterexample}\n`
    + `  replay: EDUFLEET_FUZZ_SEED=${runSeed} EDUFLEET_FUZZ_ROUTE='${f.route}' npx vitest run test/api-fuzz/api-fuzz.test.ts `
    + `(fast-check seed ${f.seed}, path ${f.path ?? '-'})`;
}
