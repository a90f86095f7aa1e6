export * from './hierarchy.js';
export * from './health.js';
export * from './health-texts.js';
