export * from './types.js';
export { SqliteRegistry, scopeSql } from './sqlite-registry.js';
export { hashSecret, verifySecret, newSecret } from './secrets.js';
export { DeviceDirectory } from './directory.js';
export type { AuditFilter, AuditRow } from './sqlite-registry.js';
export { PlaceStore, type PlaceLevel, type PlaceRef } from './place-store.js';
