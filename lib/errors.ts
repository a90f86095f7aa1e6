/**
 * Coded errors: every error a user can meet has a stable code, an HTTP status and a message they can act on.
 * docs/errors.md lists the codes; a test checks that every code here is documented there.
 */
export const ERROR_CODES = {
  EDUFLEET_ERR_CONFIG_INVALID: { status: 500, text: 'The configuration is invalid.' },
  EDUFLEET_ERR_INFLUX_MISSING: { status: 500, text: 'The influxd binary is not installed.' },
  EDUFLEET_ERR_INFLUX_START: { status: 500, text: 'The managed influxd did not start.' },
  EDUFLEET_ERR_INFLUX_CREDENTIALS: { status: 500, text: 'The managed InfluxDB has users but its credential file is missing, or refuses it.' },
  EDUFLEET_ERR_INFLUX_V2_SETUP: { status: 500, text: 'A bucket or DBRP mapping the usage analysis needs on InfluxDB 2.x is missing and the token may not create it.' },
  EDUFLEET_ERR_INFLUX_V2_DELETE: { status: 500, text: 'InfluxDB refused to delete the day of usage rollups that is being analysed again.' },
  EDUFLEET_ERR_REGISTRY_NOT_FOUND: { status: 404, text: 'No such record in the registry.' },
  EDUFLEET_ERR_REGISTRY_CONFLICT: { status: 409, text: 'A record with this id or code already exists.' },
  EDUFLEET_ERR_REGISTRY_INVALID: { status: 400, text: 'The record is invalid.' },
  EDUFLEET_ERR_REGISTRY_UNAVAILABLE: { status: 503, text: 'The registry database cannot be reached.' },
  EDUFLEET_ERR_REDIS_UNREACHABLE: { status: 503, text: 'The Redis of redis.url cannot be reached.' },
  EDUFLEET_ERR_AUTH_REQUIRED: { status: 401, text: 'Log in first.' },
  EDUFLEET_ERR_AUTH_BAD_LOGIN: { status: 401, text: 'Wrong user name or password.' },
  EDUFLEET_ERR_AUTH_FORBIDDEN: { status: 403, text: 'Your role or scope does not allow this.' },
  EDUFLEET_ERR_COMMAND_SAFETY: { status: 403, text: 'Only an admin may switch off or loosen the rollout rate or the abort rule of a harmful command.' },
  EDUFLEET_ERR_ALERT_SILENCE_LENGTH: { status: 403, text: 'Only an admin may set a silence longer than alerts.maxSilenceH, or one without end.' },
  EDUFLEET_ERR_AUTH_RATE_LIMITED: { status: 429, text: 'Too many login attempts; wait and try again.' },
  EDUFLEET_ERR_AUTH_TOKEN_INVALID: { status: 401, text: 'This API token is not valid.' },
  EDUFLEET_ERR_AUTH_TOKEN_EXPIRED: { status: 401, text: 'This API token has expired; ask an admin for a new one.' },
  EDUFLEET_ERR_AUTH_TOKEN_REVOKED: { status: 401, text: 'This API token was revoked; ask an admin for a new one.' },
  EDUFLEET_ERR_AUTH_TOKEN_READ_ONLY: { status: 403, text: 'This API token is read-only: it may only GET.' },
  EDUFLEET_ERR_AUTH_TOKEN_AMBIGUOUS: { status: 400, text: 'A request carries either a session cookie or an API token, not both.' },
  EDUFLEET_ERR_AUTH_TOKEN_RATE_LIMITED: { status: 429, text: 'Too many requests with this API token; wait and try again.' },
  EDUFLEET_ERR_AUTH_WALL_ONLY: { status: 403, text: 'A wall token may only read the operations-centre wall (GET /api/wall).' },
  EDUFLEET_ERR_WEB_ORIGIN: { status: 403, text: 'This request did not come from the dashboard\'s own pages.' },
  EDUFLEET_ERR_WEB_MEDIA_TYPE: { status: 415, text: 'This route takes a JSON body (or the file types it declares).' },
  EDUFLEET_ERR_WEB_METRICS_TOKEN: { status: 401, text: '/metrics answers loopback, or a request with the metrics token.' },
  EDUFLEET_ERR_WEB_ROUTE_ACCESS: { status: 500, text: 'A dashboard route declares no access; the dashboard refuses to start.' },
  EDUFLEET_ERR_ROUTE_NOT_FOUND: { status: 404, text: 'No such API route.' },
  EDUFLEET_ERR_REQUEST_INVALID: { status: 400, text: 'The request does not match what this route accepts.' },
  EDUFLEET_ERR_INTERNAL: { status: 500, text: 'Internal error; the server log has the details.' },
  EDUFLEET_ERR_IMPORT_FILE: { status: 400, text: 'The import file could not be read (use a .csv in UTF-8 or an .xlsx).' },
  EDUFLEET_ERR_IMPORT_COLUMNS: { status: 400, text: 'The import file lacks required columns.' },
  EDUFLEET_ERR_IMPORT_LIMIT: { status: 413, text: 'The import file is larger than allowed (unpacked size, rows or columns).' },
  EDUFLEET_ERR_IMPORT_MEMORY: { status: 413, text: 'Reading the import file needed more memory than allowed.' },
  EDUFLEET_ERR_IMPORT_BUSY: { status: 429, text: 'An import of yours is still being read, or too many are at once; try again shortly.' },
  EDUFLEET_ERR_FEED_MONTH: { status: 400, text: 'The monthly feed has the months that have ended and the current one; this month has not begun.' },
  EDUFLEET_ERR_EXPORT_RATE: { status: 429, text: 'Too many exports started in the last minute.' },
  EDUFLEET_ERR_JOB_TOO_LARGE: { status: 413, text: 'A background job made a file larger than the registry keeps for it.' },
  EDUFLEET_ERR_SPOOL_CORRUPT: { status: 500, text: 'The spool on disk could not be read.' },
  EDUFLEET_ERR_SPOOL_FULL: { status: 503, text: 'The spool is at its disk budget; devices are not acknowledged until InfluxDB has taken readings out.' },
  EDUFLEET_ERR_EDGE_LOG_CORRUPT: { status: 500, text: 'The edge forward log on disk could not be read.' },
  EDUFLEET_ERR_EDGE_KEYS: { status: 400, text: 'The edge keys are missing, unreadable or not Ed25519 / X25519 public keys.' },
  EDUFLEET_ERR_EDGE_FILE: { status: 400, text: 'This is not an EduFleet edge export file, or one of a format version this EduFleet does not read.' },
  EDUFLEET_ERR_EDGE_TRUNCATED: { status: 400, text: 'The edge file is incomplete (cut short while copying); copy it again from the edge.' },
  EDUFLEET_ERR_EDGE_TAMPERED: { status: 400, text: 'The edge file was changed after the edge signed it; nothing was imported.' },
  EDUFLEET_ERR_EDGE_SIGNATURE: { status: 400, text: 'The edge file is not signed by the edge it names; nothing was imported.' },
  EDUFLEET_ERR_EDGE_UNKNOWN: { status: 400, text: 'The edge file comes from an edge the province has not registered.' },
  EDUFLEET_ERR_EDGE_REVOKED: { status: 403, text: 'The edge file comes from a revoked edge.' },
  EDUFLEET_ERR_EDGE_SITE_UNKNOWN: { status: 400, text: 'The edge file is for a site the province does not know.' },
  EDUFLEET_ERR_EDGE_SITE_MISMATCH: { status: 400, text: 'The edge file names another site than the one its edge is registered for.' },
  EDUFLEET_ERR_EDGE_BUNDLE_FILE: { status: 400, text: 'This is not an EduFleet down bundle, or one of a format version this EduFleet does not read.' },
  EDUFLEET_ERR_EDGE_BUNDLE_TRUNCATED: { status: 400, text: 'The bundle is incomplete (cut short while copying); copy it again from the province.' },
  EDUFLEET_ERR_EDGE_BUNDLE_TAMPERED: { status: 400, text: 'The bundle was changed after the province signed it; nothing was applied.' },
  EDUFLEET_ERR_EDGE_BUNDLE_SIGNATURE: { status: 400, text: 'The bundle is not signed by the province key this edge trusts; nothing was applied.' },
  EDUFLEET_ERR_EDGE_BUNDLE_FOREIGN: { status: 400, text: 'The bundle was made for another edge; nothing was applied.' },
  EDUFLEET_ERR_EDGE_BUNDLE_OLD: { status: 409, text: 'The bundle is older than the one already applied at this edge; nothing was applied.' },
  EDUFLEET_ERR_EDGE_NO_EDGE: { status: 404, text: 'The site has no registered (unrevoked) edge to make a bundle for.' },
  EDUFLEET_ERR_SIM_TARGET: { status: 404, text: 'No simulated device or room matches the target.' },
  EDUFLEET_ERR_SIM_FAULT: { status: 400, text: 'Unknown fault, or a fault the target has no device for.' },
  EDUFLEET_ERR_MQTT_TLS: { status: 500, text: 'The MQTT TLS certificate, key or CA file could not be read or does not fit.' },
  EDUFLEET_ERR_SIM_NOT_RUNNING: { status: 503, text: 'No simulator is running with this data directory.' },
  EDUFLEET_ERR_SIM_TOKEN: { status: 401, text: 'The simulator\'s control port takes requests only with the token of its control file.' },
  EDUFLEET_ERR_NOTIFY_WEBHOOK_TARGET: { status: 400, text: 'The webhook address is refused: not http(s), or it points into the server\'s own network.' },
  EDUFLEET_ERR_NOTIFY_EMAIL_ADDRESS: { status: 400, text: 'An e-mail recipient is one single address.' },
  EDUFLEET_ERR_NOTIFY_RECIPIENT_LIMIT: { status: 409, text: 'This school (or district, or the province) already has the most recipients allowed.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class EdufleetError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  constructor(code: ErrorCode, message?: string, options?: ErrorOptions) {
    super(message ?? ERROR_CODES[code].text, options);
    this.name = 'EdufleetError';
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
  }
}
