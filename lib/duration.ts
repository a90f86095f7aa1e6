const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses an InfluxDB-style duration ("90d", "12h", "1w2d") into milliseconds; "INF" or "0" is Infinity. */
export function parseDuration(text: string): number {
  if (text === 'INF' || text === '0' || text === '0s') return Infinity;
  const re = /(\d+)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`not a duration: '${text}' (use e.g. 90d, 12h, 1w)`);
  return total;
}
