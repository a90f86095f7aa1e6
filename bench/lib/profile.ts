import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime { name: string; where: string; area: string; ms: number; pct: number }

/** A stage of the pipeline, found by a function in its stack, with its inclusive time (callees included). */
export interface StageTime { stage: string; fn: string; ms: number; pct: number }

/**
 * Stages worth knowing the inclusive time of, each by a function name and a piece of its file path. They nest
 * (ingest runs inside the aedes read batch), so the shares do not add up to 100 %.
 */
export const STAGES: { stage: string; fn: string; file: string }[] = [
  { stage: 'aedes: socket read → MQTT parse → handlers (ingest included)', fn: 'nextBatch', file: 'aedes/lib/client.js' },
  { stage: 'broker ACL hook → gateway.ingest, until the spool append', fn: 'authorizePublish', file: 'broker/auth/authorize-publish.ts' },
  { stage: 'gateway.ingest (validate, enrich, encode, append)', fn: 'ingest', file: 'gateway/gateway.ts' },
  { stage: '  parseTelemetry (JSON.parse + TypeBox check)', fn: 'parseTelemetry', file: 'protocol/validate.ts' },
  { stage: '  telemetryPoint (timestamp, field copy)', fn: 'telemetryPoint', file: 'gateway/gateway.ts' },
  { stage: '  toLine (line protocol at ingest)', fn: 'toLine', file: 'gateway/line-protocol.ts' },
  { stage: 'aedes: publish to subscribers after the hook (mqemitter, none subscribed)', fn: 'emitPacket', file: 'aedes/aedes.js' },
  { stage: 'socket writes (PUBACKs, one writev each)', fn: 'Socket._writev', file: 'node:net' },
  { stage: 'spool group commit (write + fdatasync dispatch)', fn: 'commitPending', file: 'gateway/spool.ts' },
  { stage: 'writer loop (spool read, decode if any, InfluxDB write)', fn: 'loop', file: 'gateway/writer-loop.ts' },
  { stage: '  spool read (readSync, split into lines)', fn: 'read', file: 'gateway/spool.ts' },
  { stage: '  influx writePoints (line protocol building, HTTP; before 60ff8d4)', fn: 'writePoints', file: 'influx/lib/src/index.js' },
  { stage: '  writeBatch (POST of the spooled bytes as they are)', fn: 'writeBatch', file: 'gateway/telemetry-writer.ts' },
  { stage: 'prom-client metrics', fn: '', file: 'prom-client/' },
  { stage: 'garbage collector', fn: '(garbage collector)', file: '' },
];

export interface ProfileSummary {
  file: string;
  /** Sampled time, ms (wall time of the profiled process, idle included). */
  totalMs: number;
  /** Time not idle, ms: what the process spent on the CPU (JS, GC, native). */
  busyMs: number;
  /** Self time by function, busiest first (percent of busy time). */
  top: SelfTime[];
  /** Self time by area: a package, a directory of EduFleet, Node internals, GC. */
  areas: { area: string; ms: number; pct: number }[];
  /** Inclusive time of the pipeline's stages. */
  stages: StageTime[];
}

/** Inclusive time per stage: every sample whose stack holds a frame of the stage counts once for it. */
function stageTimes(prof: CpuProfile, busyMs: number): StageTime[] {
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const matches = (id: number, st: (typeof STAGES)[number]) => {
    const f = byId.get(id)!.callFrame;
    return (st.fn === '' || f.functionName === st.fn) && f.url.includes(st.file);
  };
  const us = STAGES.map(() => 0);
  prof.samples.forEach((sample, i) => {
    STAGES.forEach((st, si) => {
      for (let cur: number | undefined = sample; cur !== undefined; cur = parent.get(cur)) {
        if (matches(cur, st)) { us[si]! += prof.timeDeltas[i] ?? 0; break; }
      }
    });
  });
  return STAGES.map((st, si) => ({ stage: st.stage, fn: st.fn || st.file, ms: Math.round(us[si]! / 1000), pct: Math.round((us[si]! / 1000 / busyMs) * 1000) / 10 }));
}

/** Where a frame comes from: `aedes`, `mqtt-packet`, `gateway/`, `node:internal`, `(garbage collector)` … */
export function areaOf(url: string, functionName: string, root: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const rel = path.relative(root, file);
  return rel.startsWith('..') ? file : `${rel.split(path.sep)[0]}/`;
}

/** Reads a .cpuprofile and adds up self time per function and per area. */
export function summarizeProfile(file: string, root: string, topN = 25): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  for (const n of prof.nodes) n.callFrame.url = sourceUrl(n.callFrame.url, root);
  const selfUs = new Map<number, number>();
  prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, SelfTime>();
  const byArea = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const n of prof.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (!us) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') { idleUs += us; continue; }
    const area = areaOf(url, functionName, root);
    const where = url ? `${shortUrl(url, root)}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const e = byFn.get(key) ?? { name: functionName || '(anonymous)', where, area, ms: 0, pct: 0 };
    e.ms += us / 1000;
    byFn.set(key, e);
    byArea.set(area, (byArea.get(area) ?? 0) + us / 1000);
  }
  const busyMs = (totalUs - idleUs) / 1000;
  const pct = (ms: number) => Math.round((ms / busyMs) * 1000) / 10;
  const top = [...byFn.values()].sort((a, b) => b.ms - a.ms).slice(0, topN).map((e) => ({ ...e, ms: Math.round(e.ms), pct: pct(e.ms) }));
  const areas = [...byArea].sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({ area, ms: Math.round(ms), pct: pct(ms) }));
  return { file, totalMs: Math.round(totalUs / 1000), busyMs: Math.round(busyMs), top, areas, stages: stageTimes(prof, busyMs) };
}

/** EduFleet runs compiled (dist/gateway/spool.js); stages and areas name the sources (gateway/spool.ts). */
function sourceUrl(url: string, root: string): string {
  const dist = `file://${path.join(root, 'dist')}/`;
  return url.startsWith(dist) && url.endsWith('.js') ? `file://${root}/${url.slice(dist.length, -'.js'.length)}.ts` : url;
}

function shortUrl(url: string, root: string): string {
  if (url.startsWith('node:')) return url;
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const rel = path.relative(root, file);
  return rel.startsWith('..') ? file : rel.replace(/^node_modules\//, '');
}
