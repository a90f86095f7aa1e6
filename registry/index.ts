export * from './types.js';
export { SqliteRegistry, scopeSql } from './sqlite-registry.js';
export { hashSecret, verifySecret, newSecret } from './secrets.js';
export { DeviceDirectory } from './directory.js';
