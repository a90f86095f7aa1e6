import { io, type Socket } from 'socket.io-client';
import { useEffect, useState } from 'preact/hooks';
import type { AlertView, ClientToServerEvents, CommandView, DeviceHealthView, LiveView, RunView, ServerToClientEvents } from '../../../api/index.js';

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * One Socket.IO connection for the whole app, opened after login (the session cookie authenticates it) and
 * closed at logout. Pages subscribe to `devices` batches; the device page also watches its device.
 */
let socket: LiveSocket | null = null;
const batchListeners = new Set<(batch: LiveView[]) => void>();
const connListeners = new Set<(up: boolean) => void>();
const healthListeners = new Set<(batch: DeviceHealthView[]) => void>();
const watched = new Map<string, number>();
const alertListeners = new Set<(batch: AlertView[]) => void>();
const commandListeners = new Set<(batch: CommandView[]) => void>();
const watchedRuns = new Map<number, number>();

export function connectLive(): void {
  if (socket) return;
  socket = io({ withCredentials: true });
  socket.on('devices', (batch) => {
    for (const fn of batchListeners) fn(batch);
  });
  socket.on('alerts', (batch) => {
    for (const fn of alertListeners) fn(batch);
  });
  socket.on('health', (batch) => {
    for (const fn of healthListeners) fn(batch);
  });
  socket.on('commands', (batch) => {
    for (const fn of commandListeners) fn(batch);
  });
  socket.on('connect', () => {
    for (const id of watched.keys()) socket?.emit('watch', id, () => {});
    for (const id of watchedRuns.keys()) socket?.emit('watchRun', id, () => {});
    for (const fn of connListeners) fn(true);
  });
  socket.on('disconnect', () => {
    for (const fn of connListeners) fn(false);
  });
  socket.on('connect_error', () => {
    for (const fn of connListeners) fn(false);
  });
}

export function disconnectLive(): void {
  socket?.close();
  socket = null;
  for (const fn of connListeners) fn(false);
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
    const s = socket;
    const handler = (v: LiveView) => {
      if (v.id === id) fn(v);
    };
    watched.set(id, (watched.get(id) ?? 0) + 1);
    s?.on('device', handler);
    if (s?.connected) s.emit('watch', id, () => {});
    return () => {
      s?.off('device', handler);
      const n = (watched.get(id) ?? 1) - 1;
      if (n > 0) watched.set(id, n);
      else {
        watched.delete(id);
        s?.emit('unwatch', id);
      }
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
    const s = socket;
    const handler = (v: RunView) => {
      if (v.id === id) fn(v);
    };
    watchedRuns.set(id, (watchedRuns.get(id) ?? 0) + 1);
    s?.on('run', handler);
    if (s?.connected) s.emit('watchRun', id, () => {});
    return () => {
      s?.off('run', handler);
      const n = (watchedRuns.get(id) ?? 1) - 1;
      if (n > 0) watchedRuns.set(id, n);
      else {
        watchedRuns.delete(id);
        s?.emit('unwatchRun', id);
      }
    };
  }, [id, fn]);
}

export function useLiveConnected(): boolean {
  const [up, setUp] = useState(socket?.connected ?? false);
  useEffect(() => {
    connListeners.add(setUp);
    return () => void connListeners.delete(setUp);
  }, []);
  return up;
}
