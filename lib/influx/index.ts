export { influxClient } from './client.js';
export { ManagedInfluxd, runningInfluxd } from './influxd.js';
export { ensureInfluxSchema, qualified, type InfluxSchemaOptions } from './schema.js';
export * from './names.js';
