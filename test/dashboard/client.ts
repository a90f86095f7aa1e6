import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../api/index.js';

/** A tiny HTTP client for the dashboard API that keeps the session cookie like a browser would. */
export class ApiClient {
  cookie = '';
  constructor(readonly base: string) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; headers: Headers }> {
    // Like a browser on the dashboard's own pages: state-changing requests must carry the dashboard's Origin.
    const headers: Record<string, string> = { origin: new URL(this.base).origin };
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0]!;
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (metrics, plain-text errors): keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  async get<T>(path: string): Promise<T> {
    const r = await this.request('GET', path);
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body as T;
  }

  async login(username: string, password: string): Promise<void> {
    const r = await this.request('POST', '/api/login', { username, password });
    if (r.status !== 200) throw new Error(`login of ${username} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
}

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A Socket.IO client with the given cookie; resolves connected, or rejects with the server's refusal. */
export function connectSocket(base: string, cookie?: string, origin?: string): Promise<LiveSocket> {
  const headers = { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) };
  const socket: LiveSocket = io(base, { transports: ['websocket'], reconnection: false, extraHeaders: headers });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** A Socket.IO client that offers an API token (as a Bearer header and in the handshake's auth) and no cookie. */
export function connectSocketWithToken(base: string, token: string): Promise<LiveSocket> {
  const socket: LiveSocket = io(base, { transports: ['websocket'], reconnection: false, extraHeaders: { authorization: `Bearer ${token}` }, auth: { token } });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}
