import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Keys whose value is a secret wherever a log object carries them (top level, or one or two objects down, e.g.
 * `req.headers.cookie`, `config.influx.password`): passwords, device and webhook secrets, tokens, cookies,
 * authorization headers, session ids. Their value never reaches a log line.
 */
const SECRET_KEYS = [
  'password', 'passwd', 'secret', 'token', 'apiKey', 'authorization', 'cookie', 'set-cookie', 'sid', 'sessionId',
  'sessionSecret', 'metricsToken', 'secretHash', 'secret_hash', 'secretVerifier', 'secret_verifier', 'privateKey',
  'proxy-authorization', 'x-edufleet-signature',
];

/**
 * Keys whose value is a URL that may carry a password (`smtp://user:pass@…`, `postgres://…`, InfluxDB's `?p=`):
 * logged without the password, since the host is what an operator needs to read.
 */
const URL_KEYS = ['url', 'smtpUrl', 'influxUrl', 'brokerUrl', 'registryUrl', 'href'];

const atDepths = (keys: string[]) => keys.flatMap((k) => {
  const key = /^[A-Za-z_]\w*$/.test(k) ? k : `["${k}"]`;
  const sep = key.startsWith('[') ? '' : '.';
  return [key, `*${sep}${key}`, `*.*${sep}${key}`];
});

const URL_KEY_SET = new Set(URL_KEYS);
/** Query parameters that carry a credential (InfluxDB v1's `u`/`p`, and the usual names). */
const SECRET_PARAMS = /([?&](?:p|password|pass|token|secret|key|sig|signature|access_token)=)[^&#\s]*/gi;
/** `scheme://user:password@` → `scheme://user:***@`. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]*@/gi;

/** A string with the passwords of any URLs in it hidden: config URLs, and error messages that quote one. */
export function scrubSecrets(text: string): string {
  return text.replace(URL_PASSWORD, '$1***@').replace(SECRET_PARAMS, '$1***');
}

/** What replaces a redacted value: a URL keeps everything but its password, anything else is hidden whole. */
function censor(value: unknown, path: string[]): unknown {
  if (URL_KEY_SET.has(path[path.length - 1] ?? '') && typeof value === 'string') return scrubSecrets(value);
  return value === undefined ? undefined : '[redacted]';
}

/** pino's error serializer, with URL passwords scrubbed from the message and the stack (a driver may quote its URL). */
function errSerializer(err: unknown): unknown {
  if (typeof err === 'string') return scrubSecrets(err);
  const out = pino.stdSerializers.err(err as Error) as unknown;
  if (!out || typeof out !== 'object') return out;
  const o = out as { message?: unknown; stack?: unknown };
  return {
    ...o,
    ...(typeof o.message === 'string' ? { message: scrubSecrets(o.message) } : {}),
    ...(typeof o.stack === 'string' ? { stack: scrubSecrets(o.stack) } : {}),
  };
}

/**
 * A client library's error may hold its request, three objects down (`err.req.headers.authorization`, node-influx's
 * RequestError; `err.config.headers`, `err.options.auth`): the credentials there are hidden too.
 */
const DEEP = ['authorization', 'Authorization', 'cookie', 'password', 'auth'].map((k) => `*.*.*.${k}`);

/** The redaction every EduFleet logger applies (docs/security.md, "Logs"). */
const REDACT = { paths: [...atDepths(SECRET_KEYS), ...atDepths(URL_KEYS), ...DEEP], censor };

/**
 * The one logger factory: every process and component logs through it, so the redaction above holds everywhere
 * (Fastify's request loggers are children of it). `destination` is for tests that read what was written.
 */
export function createLogger(level: string, name = 'edufleet', destination?: DestinationStream): Logger {
  const options = {
    name, level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime,
    redact: REDACT, serializers: { err: errSerializer, error: errSerializer },
  };
  return destination ? pino(options, destination) : pino(options);
}
