/**
 * Coded errors: every error a user can meet has a stable code, an HTTP status and a message they can act on.
 * docs/errors.md lists the codes; a test checks that every code here is documented there.
 */
export const ERROR_CODES = {
  EDUFLEET_ERR_CONFIG_INVALID: { status: 500, text: 'The configuration is invalid.' },
  EDUFLEET_ERR_INFLUX_MISSING: { status: 500, text: 'The influxd binary is not installed.' },
  EDUFLEET_ERR_INFLUX_START: { status: 500, text: 'The managed influxd did not start.' },
  EDUFLEET_ERR_REGISTRY_NOT_FOUND: { status: 404, text: 'No such record in the registry.' },
  EDUFLEET_ERR_REGISTRY_CONFLICT: { status: 409, text: 'A record with this id or code already exists.' },
  EDUFLEET_ERR_REGISTRY_INVALID: { status: 400, text: 'The record is invalid.' },
  EDUFLEET_ERR_REGISTRY_UNAVAILABLE: { status: 503, text: 'The registry database cannot be reached.' },
  EDUFLEET_ERR_AUTH_REQUIRED: { status: 401, text: 'Log in first.' },
  EDUFLEET_ERR_AUTH_BAD_LOGIN: { status: 401, text: 'Wrong user name or password.' },
  EDUFLEET_ERR_AUTH_FORBIDDEN: { status: 403, text: 'Your role or scope does not allow this.' },
  EDUFLEET_ERR_ROUTE_NOT_FOUND: { status: 404, text: 'No such API route.' },
  EDUFLEET_ERR_REQUEST_INVALID: { status: 400, text: 'The request does not match what this route accepts.' },
  EDUFLEET_ERR_INTERNAL: { status: 500, text: 'Internal error; the server log has the details.' },
  EDUFLEET_ERR_IMPORT_FILE: { status: 400, text: 'The import file could not be read (use a .csv in UTF-8 or an .xlsx).' },
  EDUFLEET_ERR_IMPORT_COLUMNS: { status: 400, text: 'The import file lacks required columns.' },
  EDUFLEET_ERR_SPOOL_CORRUPT: { status: 500, text: 'The spool on disk could not be read.' },
  EDUFLEET_ERR_SPOOL_FULL: { status: 503, text: 'The spool is at its disk budget; devices are not acknowledged until InfluxDB has taken readings out.' },
  EDUFLEET_ERR_SIM_TARGET: { status: 404, text: 'No simulated device or room matches the target.' },
  EDUFLEET_ERR_SIM_FAULT: { status: 400, text: 'Unknown fault, or a fault the target has no device for.' },
  EDUFLEET_ERR_SIM_NOT_RUNNING: { status: 503, text: 'No simulator is running with this data directory.' },
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
