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
/**
 * The listeners of watched devices and followed runs, by id. The socket's own handlers dispatch to them, so a page
 * that mounts before the socket exists (a device page opened by its link: children's effects run before the App's
 * `connectLive`) or outlives a reconnect still gets its pushes.
 */
const watched = new Map<string, Set<(view: LiveView) => void>>();
const alertListeners = new Set<(batch: AlertView[]) => void>();
const commandListeners = new Set<(batch: CommandView[]) => void>();
const watchedRuns = new Map<number, Set<(view: RunView) => void>>();

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
  socket.on('device', (view) => {
    for (const fn of watched.get(view.id) ?? []) fn(view);
  });
  socket.on('run', (view) => {
    for (const fn of watchedRuns.get(view.id) ?? []) fn(view);
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

export function useLiveConnected(): boolean {
  const [up, setUp] = useState(socket?.connected ?? false);
  useEffect(() => {
    connListeners.add(setUp);
    return () => void connListeners.delete(setUp);
  }, []);
  return up;
}
