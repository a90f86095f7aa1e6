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
  return { file, totalMs: Math.round(totalUs / 1000), busyMs: Math.round(busyMs), top, areas };
}

function shortUrl(url: string, root: string): string {
  if (url.startsWith('node:')) return url;
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const rel = path.relative(root, file);
  return rel.startsWith('..') ? file : rel.replace(/^node_modules\//, '');
}
