export { influxClient } from './client.js';
export { CREDENTIALS_FILE, influxAuthHeader, readInfluxdCredentials, type InfluxCredentials } from './credentials.js';
export { ManagedInfluxd, runningInfluxd } from './influxd.js';
export { ensureInfluxSchema, qualified, type InfluxSchemaOptions } from './schema.js';
export * from './names.js';
