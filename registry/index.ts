export * from './types.js';
export * from './store/index.js';
export { hashSecret, verifySecret, newSecret, PASSWORD_COST } from './secrets.js';
export { DeviceDirectory } from './directory.js';
export { JobLease, leaseOwner, type JobLeaseOptions } from './lease.js';
