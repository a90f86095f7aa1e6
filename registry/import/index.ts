export * from './values.js';
export * from './plan.js';
export * from './apply.js';
export * from './places-columns.js';
export * from './places-plan.js';
export * from './places-apply.js';
export * from './places-export.js';
