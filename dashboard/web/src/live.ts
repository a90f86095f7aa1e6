import { io, type Socket } from 'socket.io-client';
import { useEffect, useState } from 'preact/hooks';
import type { AlertView, ClientToServerEvents, CommandView, DeviceHealthView, LiveView, RunView, ServerToClientEvents } from '../../../api/index.js';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * One Socket.IO connection for the whole app, opened after login (the session cookie authenticates it) and
 * closed at logout. Pages subscribe to `devices` batches; the device page also watches its device.
 *
 * WebSocket only, no long-polling: behind HAProxy with several dashboards (docs/operations.md, "One address:
 * HAProxy") a WebSocket is one connection to one dashboard for its whole life, so it needs no sticky session, and a
 * reconnect after a dashboard is lost simply lands on another.
 */
let socket: LiveSocket | null = null;
/** `connecting` until the first connect, then `live`, or `reconnecting` while it is lost: the header's indicator. */
export type LiveState = 'connecting' | 'live' | 'reconnecting';
let state: LiveState = 'connecting';
const stateListeners = new Set<(s: LiveState) => void>();
const batchListeners = new Set<(batch: LiveView[]) => void>();
const healthListeners = new Set<(batch: DeviceHealthView[]) => void>();
/**
 * The listeners of watched devices and followed runs, by id. The socket's own handlers dispatch to them, so a page
 * that mounts before the socket exists (a device page opened by its link: children's effects run before the App's
 * `connectLive`) or outlives a reconnect still gets its pushes.
 */
const watched = new Map<string, Set<(view: LiveView) => void>>();
const alertListeners = new Set<(batch: AlertView[]) => void>();
const commandListeners = new Set<(batch: CommandView[]) => void>();
const watchedRuns = new Map<number, Set<(view: RunView) => void>>();

/** What the app does when the live connection ends for good or comes back after a gap. */
export interface LiveHandlers {
  /** The handshake was refused with EDUFLEET_ERR_AUTH_REQUIRED: the session is over, retrying cannot help. */
  onSessionGone(): void;
  /** Connected again after a gap: pushes sent meanwhile were missed, so what the page shows should be read again. */
  onResumed(): void;
}
let handlers: LiveHandlers | null = null;

/**
 * A lost connection (a dashboard stopped or killed, HAProxy failing over, the network) is retried by socket.io's
 * Manager itself: after 1 s, doubling up to 5 s, each delay spread by ±50 % so that the browsers of a restarted
 * dashboard do not all come back in the same instant.
 */
const MANAGER_BACKOFF = { reconnection: true, reconnectionDelay: 1_000, reconnectionDelayMax: 5_000, randomizationFactor: 0.5 };
/**
 * socket.io does NOT retry when the server ended the socket (`io server disconnect`: a dashboard shutting down, a
 * session re-check) or refused the handshake (the registry failing): those are retried here, from 1 s doubling up to
 * 30 s, spread the same way. Reset by every connect.
 */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;
let retries = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

const retryDelay = (n: number): number => Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** n) * (0.5 + Math.random());
const sessionGone = (err: Error): boolean => (err as Error & { data?: { code?: unknown } }).data?.code === 'EDUFLEET_ERR_AUTH_REQUIRED';

function setState(next: LiveState): void {
  if (state === next) return;
  state = next;
  for (const fn of stateListeners) fn(next);
}

/** Connects again later unless socket.io is already retrying, or the socket was closed or replaced meanwhile. */
function retryLater(s: LiveSocket): void {
  if (s.active) return;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => {
    if (socket === s && !s.connected) s.connect();
  }, retryDelay(retries++));
}

export function connectLive(h: LiveHandlers): void {
  if (socket) return;
  handlers = h;
  const s: LiveSocket = io({ withCredentials: true, transports: ['websocket'], ...MANAGER_BACKOFF });
  socket = s;
  s.on('devices', (batch) => {
    for (const fn of batchListeners) fn(batch);
  });
  s.on('alerts', (batch) => {
    for (const fn of alertListeners) fn(batch);
  });
  s.on('health', (batch) => {
    for (const fn of healthListeners) fn(batch);
  });
  s.on('commands', (batch) => {
    for (const fn of commandListeners) fn(batch);
  });
  s.on('device', (view) => {
    for (const fn of watched.get(view.id) ?? []) fn(view);
  });
  s.on('run', (view) => {
    for (const fn of watchedRuns.get(view.id) ?? []) fn(view);
  });
  s.on('connect', () => {
    retries = 0;
    // Rooms are the server's, per socket: a new socket (maybe on another dashboard) joins them again.
    for (const id of watched.keys()) s.emit('watch', id, () => {});
    for (const id of watchedRuns.keys()) s.emit('watchRun', id, () => {});
    const resumed = state === 'reconnecting';
    setState('live');
    if (resumed) handlers?.onResumed();
  });
  // `socket !== s`: closed by disconnectLive (a logout), nothing to retry.
  s.on('disconnect', () => {
    if (socket !== s) return;
    setState('reconnecting');
    retryLater(s);
  });
  s.on('connect_error', (err) => {
    if (socket !== s) return;
    if (sessionGone(err)) {
      handlers?.onSessionGone();
      return;
    }
    setState('reconnecting');
    retryLater(s);
  });
}

/** Closes the socket for good (logout, session over) and stops any retry. */
export function disconnectLive(): void {
  clearTimeout(retryTimer);
  const s = socket;
  socket = null;
  handlers = null;
  retries = 0;
  s?.close();
  setState('connecting');
}

/** Calls `fn` with every batch while the component is mounted. */
export function useLiveBatches(fn: (batch: LiveView[]) => void): void {
  useEffect(() => {
    batchListeners.add(fn);
    return () => void batchListeners.delete(fn);
  }, [fn]);
}

/** Calls `fn` with every `alerts` batch (the alerts of the user's schools that changed) while mounted. */
export function useLiveAlerts(fn: (batch: AlertView[]) => void): void {
  useEffect(() => {
    alertListeners.add(fn);
    return () => void alertListeners.delete(fn);
  }, [fn]);
}

/** Calls `fn` with every `health` batch (the health screens) while the component is mounted. */
export function useHealthBatches(fn: (batch: DeviceHealthView[]) => void): void {
  useEffect(() => {
    healthListeners.add(fn);
    return () => void healthListeners.delete(fn);
  }, [fn]);
}

/** Joins the device's room while mounted; `device` events for it then reach `fn`. */
export function useWatchDevice(id: string, fn: (view: LiveView) => void): void {
  useEffect(() => {
    let set = watched.get(id);
    if (!set) watched.set(id, (set = new Set()));
    set.add(fn);
    if (socket?.connected) socket.emit('watch', id, () => {});
    return () => {
      set.delete(fn);
      if (set.size) return;
      watched.delete(id);
      socket?.emit('unwatch', id);
    };
  }, [id, fn]);
}

/** Calls `fn` with every `commands` batch (commands of the user's schools that changed state) while mounted. */
export function useLiveCommands(fn: (batch: CommandView[]) => void): void {
  useEffect(() => {
    commandListeners.add(fn);
    return () => void commandListeners.delete(fn);
  }, [fn]);
}

/** Joins the run's room while mounted (id null: none); its `run` progress then reaches `fn`. */
export function useWatchRun(id: number | null, fn: (view: RunView) => void): void {
  useEffect(() => {
    if (id === null) return;
    let set = watchedRuns.get(id);
    if (!set) watchedRuns.set(id, (set = new Set()));
    set.add(fn);
    if (socket?.connected) socket.emit('watchRun', id, () => {});
    return () => {
      set.delete(fn);
      if (set.size) return;
      watchedRuns.delete(id);
      socket?.emit('unwatchRun', id);
    };
  }, [id, fn]);
}

/** The live connection's state, re-rendering the component when it changes. */
export function useLiveState(): LiveState {
  const [now, setNow] = useState(state);
  useEffect(() => {
    stateListeners.add(setNow);
    setNow(state); // changed between the render and this effect
    return () => void stateListeners.delete(setNow);
  }, []);
  return now;
}

export function useLiveConnected(): boolean {
  return useLiveState() === 'live';
}
