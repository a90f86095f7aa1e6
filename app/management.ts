/**
 * /healthz and /metrics of a process without a dashboard (`--only broker,gateway`, `--only usage,scheduler` …), on
 * the management port (`node.managementHost`:`node.managementPort`), so HAProxy's health checks and Prometheus see
 * every node. The same report and the same /metrics rule as the dashboard's (lib/healthz.ts, lib/metrics-access.ts);
 * plain node:http, so a broker node still loads no web framework.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/index.js';
import { EdufleetError, ERROR_CODES } from '../lib/errors.js';
import { Health, type Component, type ComponentHealth } from '../lib/component.js';
import { healthReport, type HealthSources } from '../lib/healthz.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import { metricsAllowed } from '../lib/metrics-access.js';

export interface ManagementOptions {
  config: Readonly<Config>;
  log: Logger;
  metrics: Metrics;
  health: () => HealthSources;
}

export class ManagementServer implements Component {
  readonly name = 'management';
  private readonly state: Health;
  private server: http.Server | undefined;

  constructor(private readonly o: ManagementOptions) {
    this.state = new Health(this.name, o.log);
  }

  /** The port it listens on (the chosen one when `node.managementPort` is 0). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    const host = this.o.config.node.managementHost;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  health(): ComponentHealth {
    return { ...this.state.snapshot(), details: { port: this.port } };
  }

  async start(): Promise<void> {
    const server = http.createServer(this.state.guard('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.handle(req, res)));
    const { managementHost: host, managementPort: port } = this.o.config.node;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: Error) => reject(new EdufleetError('EDUFLEET_ERR_CONFIG_INVALID',
        `the management port ${host}:${port} (node.managementHost, node.managementPort; EDUFLEET_NODE_MANAGEMENT_PORT) cannot be opened: ${err.message}. `
        + 'Each process without a dashboard on one host needs a port of its own.', { cause: err })));
      server.listen({ host, port }, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    // After listening: an accept error (EMFILE) shows here instead of taking the process down.
    server.on('error', (err) => this.state.fail(err, 'management port'));
    this.server = server;
    this.state.started();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.state.stopped();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { 'allow': 'GET, HEAD' }, '');
    if (path === '/healthz') {
      const { statusCode, body } = healthReport(this.o.health());
      return send(res, statusCode, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(body));
    }
    if (path === '/metrics') {
      const forwarded = req.headers['x-forwarded-for'] !== undefined;
      if (!metricsAllowed(this.o.config.dashboard.metricsToken, { authorization: req.headers.authorization, remoteAddress: req.socket.remoteAddress, forwarded })) {
        const code = 'EDUFLEET_ERR_WEB_METRICS_TOKEN';
        return send(res, ERROR_CODES[code].status, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ code, message: ERROR_CODES[code].text }));
      }
      const { registry } = this.o.metrics;
      return send(res, 200, { 'content-type': registry.contentType }, await registry.metrics());
    }
    send(res, 404, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ code: 'EDUFLEET_ERR_ROUTE_NOT_FOUND', message: 'This port serves /healthz and /metrics only.' }));
  }
}

function send(res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, body: string): void {
  // Nothing here is for a browser: no caching, no sniffing.
  res.writeHead(status, { ...headers, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}
