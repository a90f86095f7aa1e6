export * from './hierarchy.js';
export * from './health.js';
export * from './commands.js';
export * from './health-texts.js';
