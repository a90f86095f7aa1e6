/**
 * The broker's listeners: MQTT over TCP and WebSocket in clear text (unless `mqtt.plainListeners` is off) and, when a
 * certificate and key are set, mqtts and wss with them. Every socket passes the admission (broker/admission.ts) as
 * it is accepted, before a TLS handshake, an HTTP parser or a WebSocket upgrade spends anything on it. With
 * `mqtt.proxyProtocol`, a socket from a trusted proxy first has its PROXY header read (broker/proxy-header.ts), and the
 * admission, aedes (`client.connDetails`) and the logs get the device's address from it.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';
import type { ConnectionDetails } from 'aedes-protocol-decoder';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Config } from '../config/index.js';
import type { Health } from '../lib/component.js';
import { EdufleetError } from '../lib/errors.js';
import { plainAddress, trustedProxies, type TrustedProxies } from '../lib/trusted-proxies.js';
import type { Admission, Ticket } from './admission.js';
import { readPreamble } from './proxy-header.js';

/**
 * What a connection arrives with: the WebSocket upgrade request, or nothing on TCP, plus `connDetails` in
 * aedes-protocol-decoder's shape, which aedes keeps as `client.connDetails` (aedes reads nothing else from `req`).
 */
export type Arrival = Partial<http.IncomingMessage> & { connDetails: ConnectionDetails };
export type Handle = (stream: Duplex, req: Arrival) => void;

/** The device's address as the listener saw it: from the PROXY header behind a trusted proxy, else the socket's. */
export function clientAddress(client: Client): string | undefined {
  return (client as Client & { connDetails?: ConnectionDetails | null }).connDetails?.ipAddress || undefined;
}

/** Who is at the other end: the device's address, and the PROXY protocol version whose header named it (0: none). */
interface Peer { address: string | undefined; port: number | undefined; proxy: 0 | 1 | 2 }

export interface ListenerPorts { port: number; wsPort: number; tlsPort: number; wssPort: number }

interface Opened { close(): Promise<void>; port: number }

/**
 * The certificate, key and CA of the TLS listeners with the oldest TLS version allowed, read and checked at start and
 * at each reload (a bad path or a key that does not fit fails here, not in a device's handshake).
 */
function tlsOptions(m: Config['mqtt']): tls.SecureContextOptions {
  const read = (option: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new EdufleetError('EDUFLEET_ERR_MQTT_TLS', `mqtt.${option} '${file}' cannot be read: ${(err as Error).message}`, { cause: err });
    }
  };
  const o: tls.SecureContextOptions = { cert: read('tlsCertFile', m.tlsCertFile), key: read('tlsKeyFile', m.tlsKeyFile), minVersion: m.tlsMinVersion };
  if (m.tlsCaFile) o.ca = read('tlsCaFile', m.tlsCaFile);
  try {
    tls.createSecureContext(o);
  } catch (err) {
    throw new EdufleetError('EDUFLEET_ERR_MQTT_TLS', `mqtt.tlsCertFile '${m.tlsCertFile}' with mqtt.tlsKeyFile '${m.tlsKeyFile}': ${(err as Error).message}`, { cause: err });
  }
  return o;
}

/**
 * Node's HTTP timeouts for the WebSocket listeners: a socket must have sent its upgrade request within the time a TCP
 * one has to send CONNECT, checked often enough that "within" holds (Node's default check runs every 30 s).
 */
function upgradeDeadline(connectTimeoutMs: number): http.ServerOptions {
  return { headersTimeout: connectTimeoutMs, requestTimeout: connectTimeoutMs, connectionsCheckingInterval: Math.min(1000, Math.ceil(connectTimeoutMs / 10)) };
}

export class Listeners {
  private readonly opened: Opened[] = [];
  private readonly wss: WebSocketServer[] = [];
  /** The mqtts listener's context: replaced by reloadTls, read by each new connection. */
  private context: tls.SecureContext | undefined;
  private readonly secureWeb: https.Server[] = [];
  readonly ports: ListenerPorts = { port: 0, wsPort: 0, tlsPort: 0, wssPort: 0 };
  private readonly trusted: TrustedProxies;

  constructor(private readonly o: { config: Readonly<Config>; admission: Admission; handle: Handle; state: Health }) {
    const m = o.config.mqtt;
    this.trusted = trustedProxies('mqtt.trustedProxies', m.trustedProxies);
    if (m.proxyProtocol && !this.trusted.size) {
      throw new EdufleetError('EDUFLEET_ERR_CONFIG_INVALID', 'mqtt.proxyProtocol is on but mqtt.trustedProxies is empty: list the addresses of the proxies (HAProxy) in front of the broker');
    }
  }

  async open(): Promise<void> {
    const m = this.o.config.mqtt;
    const secure = m.tlsCertFile || m.tlsKeyFile ? tlsOptions(m) : undefined;
    const deadline = upgradeDeadline(m.connectTimeoutMs);
    if (m.plainListeners) {
      this.ports.port = await this.tcp(m.port, 'MQTT');
      this.ports.wsPort = await this.ws(m.wsPort, http.createServer(deadline, upgradeOnly), 'MQTT over WebSocket');
    }
    if (secure) {
      this.context = tls.createSecureContext(secure);
      this.ports.tlsPort = await this.tcp(m.tlsPort, 'MQTT over TLS', true);
      const server = https.createServer({ ...secure, ...deadline, handshakeTimeout: m.connectTimeoutMs }, upgradeOnly);
      this.secureWeb.push(server);
      this.ports.wssPort = await this.ws(m.wssPort, server, 'MQTT over secure WebSocket');
    }
  }

  /**
   * Reads the certificate, key and CA files again and hands them to the mqtts and wss listeners: new connections get
   * the new certificate, connected devices keep their session. Throws EDUFLEET_ERR_MQTT_TLS, the old certificate
   * still in use, when the files cannot be read or do not fit. False when no TLS listener is open.
   */
  reloadTls(): boolean {
    if (!this.context) return false;
    const secure = tlsOptions(this.o.config.mqtt);
    this.context = tls.createSecureContext(secure);
    for (const server of this.secureWeb) server.setSecureContext(secure);
    return true;
  }

  async close(): Promise<void> {
    for (const w of this.wss) for (const c of w.clients) c.terminate();
    for (const w of this.wss) w.close();
    await Promise.all(this.opened.splice(0).map((s) => s.close()));
  }

  /** TCP, or TLS over it: the handshake starts only once the socket is admitted, and must end within connectTimeoutMs. */
  private async tcp(port: number, what: string, secure = false): Promise<number> {
    const { handle, config } = this.o;
    const server = net.createServer((raw) => this.accept(raw, (sock, ticket, peer) => {
      if (!secure || !this.context) {
        handle(sock, { connDetails: details(peer, sock, false) });
        return ticket.guard(sock);
      }
      const s = new tls.TLSSocket(sock, { isServer: true, secureContext: this.context });
      const timer = setTimeout(() => s.destroy(), config.mqtt.connectTimeoutMs);
      // A failed handshake (a scanner, a client that does not trust the CA) ends that socket only.
      s.on('error', () => s.destroy());
      s.once('close', () => clearTimeout(timer));
      s.once('secure', () => {
        clearTimeout(timer);
        handle(s, { connDetails: details(peer, s, false) });
        ticket.guard(s);
      });
    }));
    return this.listen(server, port, what);
  }

  /**
   * WebSocket (or, on an https server, secure WebSocket): the raw TCP socket is admitted as it is accepted, before
   * Node's TLS and HTTP work, and counts as pending until its first MQTT packet is CONNECT; one that never upgrades is
   * closed by the HTTP header timeout (connectTimeoutMs, upgradeDeadline).
   */
  private async ws(port: number, server: http.Server, what: string): Promise<number> {
    const { admission, handle } = this.o;
    const wss = new WebSocketServer({ server, path: '/mqtt', maxPayload: admission.maxFrameBytes });
    this.wss.push(wss);
    // The upgraded request's socket is the TLS one on wss: the ticket is found again by the peer's address and port.
    const tickets = new Map<string, { ticket: Ticket; peer: Peer }>();
    const key = (s: net.Socket) => `${s.remoteAddress}|${s.remotePort}`;
    // Node's own 'connection' listeners (TLS, HTTP parser) are called only once the socket is admitted and its PROXY
    // header taken off: what they read is the client's own bytes (the documented way to hand an http.Server a socket).
    const own = server.listeners('connection') as ((sock: net.Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (raw: net.Socket) => this.accept(raw, (sock, ticket, peer) => {
      const k = key(sock);
      tickets.set(k, { ticket, peer });
      sock.once('close', () => tickets.delete(k));
      for (const listener of own) listener.call(server, sock);
    }));
    wss.on('connection', (socket, req) => {
      const admitted = tickets.get(key(req.socket));
      if (!admitted) return socket.terminate();
      const stream = createWebSocketStream(socket);
      // A frame over maxPayload closes the WebSocket with an error the stream passes on; without a listener it would throw.
      stream.on('error', () => stream.destroy());
      handle(stream, Object.assign(req, { connDetails: details(admitted.peer, req.socket, true) }));
      admitted.ticket.guard(stream);
    });
    wss.on('error', (err) => this.o.state.fail(err, what));
    return this.listen(server, port, what);
  }

  /**
   * Admits a new TCP socket and hands it on. Without `mqtt.proxyProtocol` the socket's address is the device's. With
   * it, a socket from a trusted proxy must start with a PROXY header, and is admitted under the address the header
   * names; a socket from anywhere else is admitted under its own address and closed if it starts with a header: a
   * device cannot pick the address it is counted and logged under.
   */
  private accept(sock: net.Socket, next: (sock: net.Socket, ticket: Ticket, peer: Peer) => void): void {
    const { admission, config } = this.o;
    const direct: Peer = { address: sock.remoteAddress, port: sock.remotePort, proxy: 0 };
    const trusted = config.mqtt.proxyProtocol && this.trusted.has(sock.remoteAddress);
    const ticket = trusted ? null : admission.admit(direct.address, sock);
    if (!trusted && !ticket) return void sock.destroy();
    if (!config.mqtt.proxyProtocol) return next(sock, ticket!, direct);
    void readPreamble(sock, config.mqtt.connectTimeoutMs).then((p) => {
      if (sock.destroyed || p === 'closed' || p === 'timeout') return void sock.destroy();
      if (!trusted) return p === 'none' ? next(sock, ticket!, direct) : refuse();
      if (p === 'none' || 'bad' in p) return refuse();
      const peer: Peer = p.source ? { address: p.source.address, port: p.source.port, proxy: p.version } : direct;
      const admitted = admission.admit(peer.address, sock);
      return admitted ? next(sock, admitted, peer) : void sock.destroy();
    });
    function refuse(): void {
      admission.refuse('proxy');
      sock.destroy();
    }
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

/** What aedes keeps as `client.connDetails`, in aedes-protocol-decoder's shape (aedes's own convention). */
function details(peer: Peer, sock: net.Socket, isWebsocket: boolean): ConnectionDetails {
  const address = peer.address && plainAddress(peer.address);
  return {
    ipAddress: address ?? '', port: peer.port ?? 0, ipFamily: !address ? 0 : net.isIPv4(address) ? 4 : 6,
    serverIpAddress: sock.localAddress ?? '', serverPort: sock.localPort ?? 0,
    isWebsocket, isProxy: peer.proxy, isTls: sock instanceof tls.TLSSocket,
  };
}

function upgradeOnly(_req: http.IncomingMessage, res: http.ServerResponse): void {
  // Closed after the answer: a keep-alive socket sending plain requests would stay pending without ever upgrading.
  res.writeHead(426, { connection: 'close' }).end('MQTT over WebSocket: connect to /mqtt');
}
