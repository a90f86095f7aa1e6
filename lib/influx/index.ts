export { influxClient, type InfluxClientOptions } from './client.js';
export { CREDENTIALS_FILE, influxAuthHeader, readInfluxdCredentials, type InfluxCredentials } from './credentials.js';
export { ManagedInfluxd, runningInfluxd } from './influxd.js';
export { ensureInfluxSchema, qualified, type InfluxSchemaOptions } from './schema.js';
export * from './names.js';
export { deleteRollupsV1, rollupStorage, V1RollupStorage, V2RollupStorage, type RollupStorage, type RollupStorageOptions } from './rollup-storage.js';
export { deleteRequests, durationSeconds, measurementPredicate, rollupBucketName, v2SchemaPlan, type V2SchemaPlan } from './v2-plan.js';
