import { useEffect, useState } from 'preact/hooks';
import type { WallResponse } from '../../../../../api/index.js';

/**
 * How the wall stays up to date: it POLLS GET /api/wall every 5 s rather than joining the live Socket.IO feed. The
 * socket's handshake authenticates a session cookie and re-checks that session while it lives (security/sessions.ts);
 * accepting a bearer token there would need a second re-check path for revocation, and the socket carries every
 * device's readings, alerts and command events of its schools, far more than a wall token may read. The wall's figures
 * are aggregates over the registry's shared state, which the gateways write every `alerts.flushMs` and the live push
 * itself polls every `liveIntervalMs` (1 s): a 5 s poll shows a device going offline within seconds, costs a few GROUP
 * BY rows per request, and goes through plain HTTP, which every proxy and failover between the screen and the
 * dashboard already carries.
 */
export const POLL_MS = 5_000;
/** Back-off after a failed poll: 1 s, 2 s, 4 s … up to 30 s, with some jitter, for ever. */
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** A poll that has not answered in this long has failed (a dashboard that died mid-answer, a half-open connection). */
const TIMEOUT_MS = 10_000;
/** A refused token (401, 403) is asked again this often: the message stays until an admin gives the screen a new address. */
const REFUSED_RETRY_MS = 60_000;

/** A refusal the screen cannot get past by itself: a revoked, expired or unknown token, no session, or no right. */
export interface WallRefusal { status: number; code: string }

export interface WallFeed {
  data: WallResponse | null;
  /** When `data` arrived (this screen's clock: its age does not depend on the server's clock). */
  receivedAt: number | null;
  /** `connecting`: nothing yet; `live`: the last poll answered; `lost`: it failed and the screen is retrying. */
  state: 'connecting' | 'live' | 'lost';
  refusal: WallRefusal | null;
}

class WallHttpError extends Error {
  constructor(readonly status: number, readonly code: string, readonly retryAfterMs: number | undefined) {
    super(`${status} ${code}`);
  }
}

/**
 * One poll. With a token: `Authorization: Bearer` and no cookie (a session cookie beside a token is refused as
 * ambiguous); without one: the session, for an admin or a planner previewing the wall.
 */
async function fetchWall(token: string | null): Promise<WallResponse> {
  const res = await fetch('/api/wall', {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    credentials: token ? 'omit' : 'same-origin',
    cache: 'no-store',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (res.ok) return (await res.json()) as WallResponse;
  let code = `HTTP_${res.status}`;
  try {
    code = ((await res.json()) as { code?: string }).code ?? code;
  } catch {
    // not JSON (a proxy's error page): the status says enough
  }
  const retryAfter = Number(res.headers.get('retry-after'));
  throw new WallHttpError(res.status, code, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
}

const backoff = (failures: number): number => {
  const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
};

/**
 * Polls the wall's figures for ever: every 5 s while it answers; after a failure (network, a restarting dashboard, a
 * 5xx, a 429) it keeps the last figures, says it lost the connection and retries with back-off; a refusal (401, 403)
 * is shown for what it is and checked again each minute. Nothing here waits for a click.
 */
export function useWallFeed(token: string | null): WallFeed {
  const [feed, setFeed] = useState<WallFeed>({ data: null, receivedAt: null, state: 'connecting', refusal: null });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const next = (ms: number) => {
      if (!stopped) timer = setTimeout(() => void poll(), ms);
    };
    const poll = async () => {
      try {
        const data = await fetchWall(token);
        if (stopped) return;
        failures = 0;
        setFeed({ data, receivedAt: Date.now(), state: 'live', refusal: null });
        next(POLL_MS);
      } catch (err) {
        if (stopped) return;
        failures += 1;
        if (err instanceof WallHttpError && (err.status === 401 || err.status === 403)) {
          const refusal = { status: err.status, code: err.code };
          setFeed((f) => ({ ...f, refusal }));
          next(REFUSED_RETRY_MS);
          return;
        }
        setFeed((f) => ({ ...f, state: 'lost' }));
        next(Math.max(backoff(failures), err instanceof WallHttpError ? err.retryAfterMs ?? 0 : 0));
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [token]);
  return feed;
}
