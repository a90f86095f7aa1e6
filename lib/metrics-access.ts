import { createHash, timingSafeEqual } from 'node:crypto';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** What decides whether a request may read /metrics, whichever server took it (the dashboard, the management port). */
export interface MetricsRequest {
  /** The Authorization header, if any. */
  authorization: string | undefined;
  /** The TCP peer's address: never a forwarded one. */
  remoteAddress: string | undefined;
  /** Whether the request carries X-Forwarded-For (it came through a proxy, maybe one on this host). */
  forwarded: boolean;
}

/**
 * /metrics: from loopback (Prometheus on the same host), or with `Authorization: Bearer <dashboard.metricsToken>`.
 * The peer address of the TCP connection decides, never X-Forwarded-For: a proxy on the same host forwards
 * everyone's requests from loopback, so behind a proxy set a token (and let the proxy not forward /metrics).
 */
export function metricsAllowed(token: string, req: MetricsRequest): boolean {
  const auth = req.authorization;
  if (token && auth?.startsWith('Bearer ') && sameSecret(auth.slice(7), token)) return true;
  return LOOPBACK.test(req.remoteAddress ?? '') && !req.forwarded;
}

/** Compared in constant time (over digests, so the lengths need not match). */
const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
