export * from './hierarchy.js';
export * from './health.js';
export * from './commands.js';
export * from './health-texts.js';
export * from './schedule-text.js';
