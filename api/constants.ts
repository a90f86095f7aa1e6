/**
 * The plain lists of the contract that the web app needs at run time. Kept apart from the schemas so that the web
 * app imports values from here and only types from the rest of api/: TypeBox stays out of the browser bundle.
 */
export { SCHOOL_LEVELS, ROOM_TYPES, DEVICE_STATES as RECORD_STATES } from '../domain/index.js';

/** What the dashboard says of a device's connection. `unknown`: never heard of since this gateway started. */
export const DEVICE_STATES = ['online', 'sleep', 'offline', 'unknown'] as const;
/** Problems derived from the protocol's health rules (dashboard/server/problems.ts is the one place that decides). */
export const PROBLEM_CODES = ['offline', 'low_battery', 'overheating', 'rejected'] as const;
/** The windows of a device's history chart. */
export const HISTORY_WINDOWS = ['1h', '24h', '7d', '30d'] as const;
/** The longest a token may live: a year, and a day for the end of that day in Asia/Ho_Chi_Minh. */
export const API_TOKEN_MAX_DAYS = 366;
/** An integration account's name: also its MQTT username (the form of a device id); api/integration-accounts.ts and the registry use it. */
export const INTEGRATION_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
