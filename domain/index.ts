export * from './hierarchy.js';
export * from './health.js';
