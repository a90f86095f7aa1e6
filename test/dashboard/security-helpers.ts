import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config, type DeepPartial } from '../../config/index.js';
import { buildApp } from '../../dashboard/server/index.js';
import { RecentReadings } from '../../dashboard/server/readings.js';
import type { Clock } from '../../lib/clock.js';
import { influxClient } from '../../lib/influx/index.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics.js';
import { DeviceDirectory, type RegistryStore } from '../../registry/index.js';
import { UsageQueries } from '../../usage/queries.js';

/** A dashboard app on a registry, without gateway or InfluxDB: what the web defences need, nothing more. */
export async function buildDashboard(registry: RegistryStore, clock: Clock, overrides: DeepPartial<Config>, log: Logger = createLogger('silent')): Promise<FastifyInstance> {
  const config = loadConfig({ env: {}, overrides: { logLevel: 'silent', ...overrides } });
  return buildApp({
    config, log, metrics: createMetrics(), clock, registry,
    directory: new DeviceDirectory(registry), readings: new RecentReadings('http://127.0.0.1:9', config.influx),
    usage: new UsageQueries(influxClient('http://127.0.0.1:9', config.influx), config.influx.database), usageStore: registry.usage,
  });
}

/** A CA and a certificate for 127.0.0.1 signed by it, made with Debian's openssl. */
export function makeCertificate(dir: string): { ca: Buffer; cert: string; key: string } {
  const p = (f: string) => path.join(dir, f);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=EduFleet test CA', '-keyout', p('ca.key'), '-out', p('ca.pem'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', p('key.pem'), '-out', p('req.csr'));
  writeFileSync(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', p('req.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', p('ext.cnf'), '-out', p('cert.pem'));
  return { ca: readFileSync(p('ca.pem')), cert: p('cert.pem'), key: p('key.pem') };
}

/** One HTTPS request trusting only `ca`. */
export function httpsRequest(url: string, ca: Buffer, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: o.method ?? 'GET', headers: o.headers, ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
