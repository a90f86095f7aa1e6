/**
 * MQTT 3.1.1 topic filters [MQTT-4.7] and client-id globs, for the integration accounts' read and write patterns
 * (registry/store/integration-accounts.ts checks them when an account is made, broker/auth/integration.ts applies
 * them). Pure functions: the registry and the broker must agree on what a pattern means.
 */

/** True for a valid filter: not empty, `#` only as the whole last level, `+` only as a whole level [MQTT-4.7.1]. */
export function isValidFilter(filter: string): boolean {
  if (!filter.length || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((l, i) => (l.includes('#') ? l === '#' && i === levels.length - 1 : !l.includes('+') || l === '+'));
}

/**
 * True when `topic` matches `filter`: `+` one level, `#` the rest including the parent level itself. A filter that
 * starts with a wildcard does not match a topic that starts with `$` [MQTT-4.7.2-1].
 */
export function filterMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** True when some topic matches both filters: a SUBSCRIBE to `a` can ever deliver what pattern `b` allows. */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  // A wildcard first level never meets a `$` topic, which a literal `$…` first level names.
  const dollar = (p: string[], q: string[]) => p[0]!.startsWith('$') && (q[0] === '+' || q[0] === '#');
  if (dollar(x, y) || dollar(y, x)) return false;
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    // Both ended: the same length, every level met. One ended: the other needs more levels (its `#` returned above).
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

/** A client-id glob: `*` any run of characters (also none), everything else literal; '' allows any id, even ''. */
export function globMatches(pattern: string, id: string): boolean {
  if (pattern === '') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === id;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (id.length < first.length + last.length || !id.startsWith(first) || !id.endsWith(last)) return false;
  let at = first.length;
  const end = id.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const i = id.indexOf(middle, at);
    if (i < 0 || i + middle.length > end) return false;
    at = i + middle.length;
  }
  return true;
}
