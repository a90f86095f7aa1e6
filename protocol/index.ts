export * from './topics.js';
export * from './kinds/index.js';
export * from './messages.js';
export * from './validate.js';
export type { KindDefinition, HealthRules } from './kinds/define.js';
export * from './commands/index.js';
export * from './topic-filters.js';
