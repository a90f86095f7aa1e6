import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { hostname } from 'node:os';
import { Kind, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from './schema.js';
import { influxErrors } from './influx-rules.js';
import { EdufleetError } from '../lib/errors.js';
import { defaultNodeName } from '../lib/cluster-keys.js';

export { ConfigSchema, type Config };

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** `influx.url` → `EDUFLEET_INFLUX_URL`; `dataDir` → `EDUFLEET_DATA_DIR`. */
export function envName(pathParts: string[]): string {
  return 'EDUFLEET_' + pathParts.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** Lists every leaf option with its env name, for docs and `--help`. */
export function listOptions(schema: TObject = ConfigSchema, prefix: string[] = []): { path: string; env: string; schema: TSchema }[] {
  const out: { path: string; env: string; schema: TSchema }[] = [];
  for (const [key, sub] of Object.entries(schema.properties)) {
    const p = [...prefix, key];
    if (sub[Kind] === 'Object') out.push(...listOptions(sub as TObject, p));
    else out.push({ path: p.join('.'), env: envName(p), schema: sub });
  }
  return out;
}

function defaults(schema: TObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(schema.properties)) out[key] = sub[Kind] === 'Object' ? defaults(sub as TObject) : structuredClone(sub.default as unknown);
  return out;
}

function setPath(target: Record<string, unknown>, parts: string[], value: unknown): void {
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1)!] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export interface LoadOptions {
  /** A JSON file of options; defaults to ./edufleet.json when present. */
  file?: string;
  /** The environment to read (process.env by default). */
  env?: Record<string, string | undefined>;
  /** Options set by the caller (CLI flags, tests); they win over file and environment. */
  overrides?: DeepPartial<Config>;
}

/** Defaults → file → environment → overrides; validated once, every error listed, then frozen. */
export function loadConfig(opts: LoadOptions = {}): Readonly<Config> {
  const env = opts.env ?? process.env;
  let merged = defaults(ConfigSchema);
  const file = opts.file ?? env.EDUFLEET_CONFIG ?? (existsSync('edufleet.json') ? 'edufleet.json' : undefined);
  if (file) {
    try {
      merged = deepMerge(merged, JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>);
    } catch (err) {
      throw new EdufleetError('EDUFLEET_ERR_CONFIG_INVALID', `cannot read configuration file ${file}: ${(err as Error).message}`);
    }
  }
  const errors: string[] = [];
  for (const opt of listOptions()) {
    const raw = env[opt.env];
    if (raw === undefined || raw === '') continue;
    const kind = opt.schema.type as string | undefined;
    let value: unknown = raw;
    if (kind === 'integer' || kind === 'number') value = Number(raw);
    else if (kind === 'boolean') value = raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    // A list in one variable: comma-separated (addresses, origins).
    else if (kind === 'array') value = raw.split(',').map((x) => x.trim()).filter(Boolean);
    setPath(merged, opt.path.split('.'), value);
  }
  if (opts.overrides) merged = deepMerge(merged, opts.overrides as Record<string, unknown>);
  for (const e of Value.Errors(ConfigSchema, merged)) {
    const p = e.path.slice(1).split('/');
    errors.push(`${p.join('.')} (${envName(p)}): ${e.message}, got ${JSON.stringify(e.value)}`);
  }
  if (errors.length === 0) errors.push(...crossFieldErrors(merged as Config));
  if (errors.length > 0) throw new EdufleetError('EDUFLEET_ERR_CONFIG_INVALID', `invalid configuration:\n  ${errors.join('\n  ')}`);
  const config = merged as Config;
  config.dataDir = path.resolve(config.dataDir);
  // Resolved once here, so every part of the process (heartbeat, logs, Redis channels) names the node alike.
  if (!config.node.name) config.node.name = defaultNodeName();
  if (!config.gateway.spoolDir) config.gateway.spoolDir = path.join(config.dataDir, 'spool');
  return deepFreeze(config);
}

/** Options that are each valid but not together. */
function crossFieldErrors(c: Config): string[] {
  const errors: string[] = [];
  // Redis is what a node shares with other machines; a SQLite registry is a file only this machine sees, so a
  // second node would keep its own devices, logins and alerts apart from this one's.
  if (c.redis.url && !c.registry.url) {
    errors.push('redis.url (EDUFLEET_REDIS_URL) is set, which makes this process one node of several machines, but registry.url '
      + '(EDUFLEET_REGISTRY_URL) is empty: a SQLite registry is a file on this machine that the other nodes cannot share. '
      + 'Set registry.url to the PostgreSQL every node uses, or leave redis.url empty to run on one machine.');
  }
  errors.push(...edgeErrors(c));
  errors.push(...influxErrors(c));
  return errors;
}

/** An edge node serves one site, alone on its machine, and its uplink speaks MQTT (TLS outside a test). */
function edgeErrors(c: Config): string[] {
  const errors: string[] = [];
  const e = c.edge;
  if (!e.enabled) {
    if (e.uplink.url) errors.push('edge.uplink.url (EDUFLEET_EDGE_UPLINK_URL) is set but edge.enabled is false: only an edge node (`edufleet start --edge`) has an uplink.');
    return errors;
  }
  if (!e.site) errors.push('edge.enabled is true but edge.site (EDUFLEET_EDGE_SITE) is empty: set the site this edge serves, as the province names it (SCHOOLCODE or SCHOOLCODE:Site name).');
  if (c.redis.url) errors.push('edge.enabled is true and redis.url is set: an edge node runs alone at its school; leave redis.url empty.');
  if (e.uplink.url && !/^mqtts?:\/\/[^/\s]+$/.test(e.uplink.url)) {
    errors.push(`edge.uplink.url (EDUFLEET_EDGE_UPLINK_URL) must be mqtts://host:port (or mqtt:// on a private test network), got ${JSON.stringify(e.uplink.url)}.`);
  }
  if (e.uplink.caFile && !existsSync(e.uplink.caFile)) errors.push(`edge.uplink.caFile (EDUFLEET_EDGE_UPLINK_CA_FILE): no file ${e.uplink.caFile}.`);
  return errors;
}

/**
 * The broker address devices are given (labels, issued credentials): `mqtt.publicUrl`, else this host and the port
 * the broker listens on (`listeningPort` when a port of 0 let the system choose).
 */
export function brokerPublicUrl(cfg: Readonly<Config>, listeningPort?: number): string {
  return cfg.mqtt.publicUrl || `mqtt://${hostname()}:${listeningPort || cfg.mqtt.port}`;
}
