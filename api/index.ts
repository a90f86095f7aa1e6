/** The dashboard's HTTP and Socket.IO contract, one module per feature; `routes.ts` maps every REST route to its types. */
export * from './common.js';
export * from './live.js';
export * from './auth.js';
export * from './overview.js';
export * from './devices.js';
export * from './places.js';
export * from './kpi.js';
export * from './records.js';
export * from './users.js';
export * from './imports.js';
export * from './usage.js';
export * from './health.js';
export * from './alerts.js';
export * from './notifications.js';
export * from './commands.js';
export type * from './routes.js';
export { API_ROUTE_KEYS } from './routes.js';
