/**
 * The broker's listeners: MQTT over TCP and WebSocket in clear text (unless `mqtt.plainListeners` is off) and, when a
 * certificate and key are set, mqtts and wss with them. Every socket passes the admission (broker/admission.ts)
 * before aedes sees a byte of it.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Config } from '../config/index.js';
import type { Health } from '../lib/component.js';
import { EdufleetError } from '../lib/errors.js';
import type { Admission } from './admission.js';

export type Handle = (stream: Duplex, req?: http.IncomingMessage) => void;

export interface ListenerPorts { port: number; wsPort: number; tlsPort: number; wssPort: number }

interface Opened { close(): Promise<void>; port: number }

/** The certificate, key and CA of the TLS listeners, read and checked at start (a bad path fails here, not later). */
function tlsOptions(m: Config['mqtt']): tls.SecureContextOptions {
  const read = (option: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new EdufleetError('EDUFLEET_ERR_MQTT_TLS', `mqtt.${option} '${file}' cannot be read: ${(err as Error).message}`, { cause: err });
    }
  };
  const o: tls.SecureContextOptions = { cert: read('tlsCertFile', m.tlsCertFile), key: read('tlsKeyFile', m.tlsKeyFile) };
  if (m.tlsCaFile) o.ca = read('tlsCaFile', m.tlsCaFile);
  try {
    tls.createSecureContext(o);
  } catch (err) {
    throw new EdufleetError('EDUFLEET_ERR_MQTT_TLS', `mqtt.tlsCertFile '${m.tlsCertFile}' with mqtt.tlsKeyFile '${m.tlsKeyFile}': ${(err as Error).message}`, { cause: err });
  }
  return o;
}

export class Listeners {
  private readonly opened: Opened[] = [];
  private readonly wss: WebSocketServer[] = [];
  readonly ports: ListenerPorts = { port: 0, wsPort: 0, tlsPort: 0, wssPort: 0 };

  constructor(private readonly o: { config: Readonly<Config>; admission: Admission; handle: Handle; state: Health }) {}

  async open(): Promise<void> {
    const m = this.o.config.mqtt;
    const secure = m.tlsCertFile || m.tlsKeyFile ? tlsOptions(m) : undefined;
    if (m.plainListeners) {
      this.ports.port = await this.tcp(m.port, 'MQTT');
      this.ports.wsPort = await this.ws(m.wsPort, http.createServer(upgradeOnly), 'MQTT over WebSocket');
    }
    if (secure) {
      this.ports.tlsPort = await this.tcp(m.tlsPort, 'MQTT over TLS', tls.createSecureContext(secure));
      this.ports.wssPort = await this.ws(m.wssPort, https.createServer(secure, upgradeOnly), 'MQTT over secure WebSocket');
    }
  }

  async close(): Promise<void> {
    for (const w of this.wss) for (const c of w.clients) c.terminate();
    for (const w of this.wss) w.close();
    await Promise.all(this.opened.splice(0).map((s) => s.close()));
  }

  /** TCP, or TLS over it: the handshake starts only once the socket is admitted, and must end within connectTimeoutMs. */
  private async tcp(port: number, what: string, context?: tls.SecureContext): Promise<number> {
    const { admission, handle, config } = this.o;
    const server = net.createServer((sock) => {
      const ticket = admission.admit(sock.remoteAddress, sock);
      if (!ticket) return sock.destroy();
      if (!context) {
        handle(sock);
        return ticket.guard(sock);
      }
      const s = new tls.TLSSocket(sock, { isServer: true, secureContext: context });
      const timer = setTimeout(() => s.destroy(), config.mqtt.connectTimeoutMs);
      // A failed handshake (a scanner, a client that does not trust the CA) ends that socket only.
      s.on('error', () => s.destroy());
      s.once('close', () => clearTimeout(timer));
      s.once('secure', () => {
        clearTimeout(timer);
        handle(s);
        ticket.guard(s);
      });
    });
    return this.listen(server, port, what);
  }

  private async ws(port: number, server: http.Server, what: string): Promise<number> {
    const { admission, handle } = this.o;
    const wss = new WebSocketServer({ server, path: '/mqtt', maxPayload: admission.maxFrameBytes });
    this.wss.push(wss);
    wss.on('connection', (socket, req) => {
      const ticket = admission.admit(req.socket.remoteAddress, req.socket);
      if (!ticket) return socket.terminate();
      const stream = createWebSocketStream(socket);
      // A frame over maxPayload closes the WebSocket with an error the stream passes on; without a listener it would throw.
      stream.on('error', () => stream.destroy());
      handle(stream, req);
      ticket.guard(stream);
    });
    wss.on('error', (err) => this.o.state.fail(err, what));
    return this.listen(server, port, what);
  }

  private async listen(server: net.Server, port: number, what: string): Promise<number> {
    const host = this.o.config.mqtt.host;
    // Sockets still waiting for CONNECT are not aedes's yet: stop() ends them here, or close() would wait for them.
    const sockets = new Set<net.Socket>();
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    // A deep accept queue: in a reconnect storm thousands of SYNs arrive while the loop is busy with CONNECTs, and one
    // dropped from a full queue is retried by the device's kernel after 1, 3, 7, 15 s… (the storm's long tail).
    const backlog = this.o.config.mqtt.listenBacklog;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ port, host, backlog }, resolve));
    // Once listening, a server's 'error' (EMFILE on accept, say) has no listener and would crash the process.
    server.on('error', (err) => this.o.state.fail(err, `${what} accept`));
    this.opened.push({
      port: (server.address() as net.AddressInfo).port,
      close: () => new Promise<void>((r) => {
        if (!server.listening) return r();
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
    });
    return (server.address() as net.AddressInfo).port;
  }
}

function upgradeOnly(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(426).end('MQTT over WebSocket: connect to /mqtt');
}
